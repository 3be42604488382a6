import { expandBox, iou, roundOut } from './box';
import { nms, weightedNms } from './nms';

describe('iou', () => {
  it('is exact for known overlaps', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('nms', () => {
  const boxes = [
    { box: [0, 0, 10, 10] as [number, number, number, number], score: 0.9, cls: 0 },
    { box: [1, 1, 11, 11] as [number, number, number, number], score: 0.8, cls: 0 },
    { box: [1, 1, 11, 11] as [number, number, number, number], score: 0.7, cls: 1 },
    { box: [50, 50, 60, 60] as [number, number, number, number], score: 0.6, cls: 0 },
  ];
  it('suppresses overlapping boxes of the same class only', () => {
    expect(nms(boxes, 0.5, (b) => b.cls).map((b) => b.score)).toEqual([0.9, 0.7, 0.6]);
    expect(nms(boxes, 0.5).map((b) => b.score)).toEqual([0.9, 0.6]);
  });
});

describe('weightedNms', () => {
  it('blends a cluster by score and keeps the best score', () => {
    const out = weightedNms(
      [
        { box: [0, 0, 10, 10], score: 0.75 },
        { box: [2, 2, 12, 12], score: 0.25 },
        { box: [100, 100, 110, 110], score: 0.5 },
      ],
      0.3,
    );
    expect(out).toEqual([
      { box: [0.5, 0.5, 10.5, 10.5], score: 0.75 },
      { box: [100, 100, 110, 110], score: 0.5 },
    ]);
  });
});

describe('expandBox and roundOut', () => {
  it('grows about the centre and clamps', () => {
    expect(expandBox([10, 10, 20, 30], 1.2, 100, 100)).toEqual([9, 8, 21, 32]);
    expect(expandBox([0, 0, 10, 10], 2, 12, 12)).toEqual([0, 0, 12, 12]);
    expect(roundOut([1.2, 2.8, 3.1, 4.0])).toEqual([1, 2, 4, 4]);
  });
});
