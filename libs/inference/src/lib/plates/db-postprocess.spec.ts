import { dbBoxes, DEFAULT_DB_OPTIONS } from './db-postprocess';

const SIZE = 64;

function fill(map: Float32Array, x1: number, y1: number, x2: number, y2: number, p: number): void {
  for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) map[y * SIZE + x] = p;
}

describe('dbBoxes', () => {
  const map = new Float32Array(SIZE * SIZE).fill(0.0625);
  fill(map, 50, 5, 51, 6, 0.9375); // D: 2 x 2, too small
  fill(map, 8, 10, 19, 13, 0.875); // A: 12 x 4
  fill(map, 40, 20, 43, 23, 0.875); // E: two 4 x 4 squares touching at a corner
  fill(map, 44, 24, 47, 27, 0.875);
  fill(map, 2, 30, 9, 35, 0.5); // C: text-like but unsure
  fill(map, 30, 40, 59, 44, 0.75); // B: 30 x 10, two halves
  fill(map, 30, 45, 59, 49, 0.625);

  it('boxes each confident region, grown by area x 1.5 / perimeter', () => {
    expect(dbBoxes(map, SIZE, SIZE)).toEqual([
      // A: 12 x 4, unclip 48 x 1.5 / 32 = 2.25
      { box: [5.75, 7.75, 22.25, 16.25], score: 0.875 },
      // E: one 8-connected region, 8 x 8, unclip 3
      { box: [37, 17, 51, 31], score: 0.875 },
      // B: 30 x 10, unclip 300 x 1.5 / 80 = 5.625, clamped on the right; mean of 0.75 and 0.625
      { box: [24.375, 34.375, 64, 55.625], score: 0.6875 },
    ]);
  });

  it('keeps the unsure region when the box threshold allows it, and the small one when the minimum side does', () => {
    const boxes = dbBoxes(map, SIZE, SIZE, { ...DEFAULT_DB_OPTIONS, boxThreshold: 0.5, minSide: 2 });
    expect(boxes.map((b) => b.score)).toEqual([0.9375, 0.875, 0.875, 0.5, 0.6875]);
    // C: 8 x 6, unclip 48 x 1.5 / 28
    const d = (48 * 1.5) / 28;
    expect(boxes[3].box).toEqual([Math.max(0, 2 - d), 30 - d, 10 + d, 36 + d]);
  });

  it('finds nothing in an empty map', () => {
    expect(dbBoxes(new Float32Array(SIZE * SIZE), SIZE, SIZE)).toEqual([]);
  });
});
