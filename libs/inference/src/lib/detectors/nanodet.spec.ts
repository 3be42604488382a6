import { decodeNanoDet, expectedBin, matchNanoDetHeads, NANODET_BINS } from './nanodet';

describe('matchNanoDetHeads', () => {
  it('pairs scores with distributions by shape, whatever the names say', () => {
    const outputs = [
      { name: 'Identity', dims: [1, 169, 44] },
      { name: 'Identity_1', dims: [1, 2704, 80] },
      { name: 'Identity_2', dims: [1, 676, 44] },
      { name: 'Identity_3', dims: [1, 169, 80] },
      { name: 'Identity_4', dims: [1, 2704, 44] },
      { name: 'Identity_5', dims: [1, 676, 80] },
    ];
    expect(matchNanoDetHeads(outputs, 416, 416)).toEqual({
      classes: 80,
      levels: [
        { stride: 8, gridWidth: 52, scores: 'Identity_1', distances: 'Identity_4' },
        { stride: 16, gridWidth: 26, scores: 'Identity_5', distances: 'Identity_2' },
        { stride: 32, gridWidth: 13, scores: 'Identity_3', distances: 'Identity' },
      ],
    });
  });

  it('rounds grid sizes up for inputs that are not multiples of the stride', () => {
    const heads = matchNanoDetHeads(
      [
        { name: 's', dims: [1, 10 * 7, 3] },
        { name: 'd', dims: [1, 10 * 7, 44] },
      ],
      80,
      50,
    );
    expect(heads?.levels).toEqual([{ stride: 8, gridWidth: 10, scores: 's', distances: 'd' }]);
  });

  it.each([
    ['a YOLO head', [[1, 84, 8400]]],
    [
      'unpaired levels',
      [
        [1, 2704, 80],
        [1, 676, 44],
      ],
    ],
    [
      'a cell count no stride gives',
      [
        [1, 1000, 80],
        [1, 1000, 44],
      ],
    ],
    [
      'mixed class counts',
      [
        [1, 2704, 80],
        [1, 2704, 44],
        [1, 676, 20],
        [1, 676, 44],
      ],
    ],
  ])('refuses %s', (_, shapes) => {
    expect(
      matchNanoDetHeads(
        shapes.map((dims, i) => ({ name: `o${i}`, dims })),
        416,
        416,
      ),
    ).toBeNull();
  });
});

/** Logits that put all of softmax's mass on `bins` (equally), none elsewhere. */
function peaked(...bins: number[]): number[] {
  return Array.from({ length: NANODET_BINS }, (_, k) => (bins.includes(k) ? 0 : -1000));
}

describe('expectedBin', () => {
  it('is the bin of a one-hot distribution', () => {
    expect(expectedBin(Float32Array.from(peaked(3)), 0)).toBe(3);
    expect(expectedBin(Float32Array.from([...peaked(0), ...peaked(10)]), NANODET_BINS)).toBe(10);
  });

  it('is the mean of equally likely bins, and 5 for a flat distribution', () => {
    expect(expectedBin(Float32Array.from(peaked(2, 4)), 0)).toBe(3);
    expect(expectedBin(new Float32Array(NANODET_BINS).fill(7), 0)).toBeCloseTo(5, 12);
  });

  it('does not overflow on large logits', () => {
    expect(expectedBin(Float32Array.from(peaked(6).map((v) => v + 1000)), 0)).toBe(6);
  });
});

describe('decodeNanoDet', () => {
  // A 32x32 input: stride 8 is a 4x4 grid, stride 16 a 2x2 grid, stride 32 one cell; two classes.
  function level(stride: number, cells: number) {
    return {
      stride,
      gridWidth: 32 / stride,
      scores: { dims: [1, cells, 2], data: new Float32Array(cells * 2) },
      distances: { dims: [1, cells, 44], data: new Float32Array(cells * 44).fill(-1000) },
    };
  }
  function setDistances(l: ReturnType<typeof level>, cell: number, bins: [number, number, number, number]) {
    bins.forEach((bin, side) => l.distances.data.set(peaked(bin), cell * 44 + side * NANODET_BINS));
  }
  const levels = [level(8, 16), level(16, 4), level(32, 1)];
  // stride 8, cell 9 = column 1, row 2: centre (12, 20); every side 3 bins = 24 px
  levels[0].scores.data.set([0.25, 0.875], 9 * 2);
  setDistances(levels[0], 9, [3, 3, 3, 3]);
  // stride 16, cell 3 = column 1, row 1: centre (24, 24); left 0, top 1, right 2, bottom 10 strides
  levels[1].scores.data.set([0.5, 0.125], 3 * 2);
  setDistances(levels[1], 3, [0, 1, 2, 10]);
  // stride 32, the one cell: centre (16, 16), below any threshold used here
  levels[2].scores.data.set([0.0625, 0], 0);
  setDistances(levels[2], 0, [1, 1, 1, 1]);

  it('measures each side from the cell centre in strides', () => {
    expect(decodeNanoDet(levels, 0.1)).toEqual([
      { box: [-12, -4, 36, 44], score: 0.875, classId: 1 },
      { box: [24, 8, 56, 184], score: 0.5, classId: 0 },
    ]);
  });

  it('keeps only scores above the threshold', () => {
    expect(decodeNanoDet(levels, 0.5)).toHaveLength(1);
    expect(decodeNanoDet(levels, 0.05)).toHaveLength(3);
    expect(decodeNanoDet(levels, 0.05)[2].box).toEqual([-16, -16, 48, 48]);
  });
});
