import {
  cropBoxToImage,
  hasPlateShape,
  isPlausiblePlate,
  joinStackedLines,
  plateBody,
  plateSearchRegion,
  textInputSize,
} from './plate-geometry';

describe('plateSearchRegion', () => {
  it('is the box from 40 % down, 5 % wider each side and below', () => {
    expect(plateSearchRegion([100, 100, 300, 250], 1000, 1000)).toEqual({ left: 90, top: 160, width: 220, height: 98 });
  });

  it('stays inside the image and is null for an empty box', () => {
    expect(plateSearchRegion([0, 500, 400, 1000], 1000, 1000)).toEqual({ left: 0, top: 700, width: 420, height: 300 });
    expect(plateSearchRegion([5, 5, 5, 5], 1000, 1000)).toBeNull();
  });
});

describe('textInputSize', () => {
  it('rounds each side to a multiple of 32 without enlarging', () => {
    expect(textInputSize(220, 98)).toEqual([224, 96]);
    expect(textInputSize(20, 10)).toEqual([32, 32]);
  });

  it('shrinks the long side to 320', () => {
    expect(textInputSize(1000, 400)).toEqual([320, 128]);
    expect(textInputSize(640, 50)).toEqual([320, 32]);
    expect(textInputSize(330, 330)).toEqual([320, 320]);
  });
});

describe('cropBoxToImage', () => {
  it('undoes the resize per axis and adds the crop offset', () => {
    const crop = { left: 90, top: 160, width: 220, height: 98 };
    expect(cropBoxToImage([0, 0, 224, 96], crop, 224, 96)).toEqual([90, 160, 310, 258]);
    expect(cropBoxToImage([112, 48, 168, 72], crop, 224, 96)).toEqual([200, 209, 255, 233.5]);
  });
});

describe('isPlausiblePlate', () => {
  const car: [number, number, number, number] = [0, 0, 500, 400];

  it('accepts plate-shaped text', () => {
    expect(isPlausiblePlate([100, 300, 200, 325], car)).toBe(true);
    expect(isPlausiblePlate([0, 0, 15, 10], car)).toBe(true);
    expect(isPlausiblePlate([0, 0, 80, 10], car)).toBe(true);
  });

  it('rejects single characters, slogans, tiny text and lettering wider than a plate', () => {
    expect(isPlausiblePlate([100, 300, 130, 325], car)).toBe(false);
    expect(isPlausiblePlate([100, 300, 400, 330], car)).toBe(false);
    expect(isPlausiblePlate([100, 300, 130, 305], car)).toBe(false);
    expect(isPlausiblePlate([0, 300, 320, 350], car)).toBe(false);
  });
});

describe('joinStackedLines', () => {
  it('joins the two lines of a square plate into one', () => {
    expect(
      joinStackedLines([
        [47, 301, 88, 323],
        [50, 320, 86, 345],
      ]),
    ).toEqual([{ box: [47, 301, 88, 345], lines: 2 }]);
  });

  it('keeps a logo above a plate and text beside it apart', () => {
    const joined = joinStackedLines([
      [57, 275, 79, 297],
      [45, 296, 90, 327],
      [200, 296, 260, 327],
    ]);
    expect(joined).toEqual([
      { box: [57, 275, 79, 297], lines: 1 },
      { box: [45, 296, 90, 327], lines: 1 },
      { box: [200, 296, 260, 327], lines: 1 },
    ]);
  });

  it('counts a block of three or more lines, which no plate shape accepts', () => {
    const block = joinStackedLines([
      [10, 10, 110, 30],
      [12, 34, 100, 54],
      [10, 58, 105, 78],
    ]);
    expect(block).toEqual([{ box: [10, 10, 110, 78], lines: 3 }]);
    expect(hasPlateShape(block[0].box, block[0].lines)).toBe(false);
  });
});

describe('plateBody', () => {
  it('grows the text of a one-line plate to its border, more sideways for two lines', () => {
    expect(plateBody([100, 100, 200, 120], 1, 1000, 1000)).toEqual([88, 94, 212, 126]);
    expect(plateBody([100, 100, 140, 140], 2, 1000, 1000)).toEqual([84, 94, 156, 146]);
    expect(plateBody([0, 0, 100, 20], 1, 90, 1000)).toEqual([0, 0, 90, 26]);
  });
});
