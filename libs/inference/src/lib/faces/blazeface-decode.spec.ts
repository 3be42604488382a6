import { blazeFaceAnchors, decodeBlazeFace, sigmoid } from './blazeface-decode';

describe('blazeFaceAnchors', () => {
  const anchors = blazeFaceAnchors();

  it('has 16x16x2 then 8x8x6 anchors at cell centres', () => {
    expect(anchors).toHaveLength(896);
    expect(anchors[0]).toEqual({ x: 1 / 32, y: 1 / 32 });
    expect(anchors[1]).toEqual({ x: 1 / 32, y: 1 / 32 });
    expect(anchors[2]).toEqual({ x: 3 / 32, y: 1 / 32 });
    expect(anchors[32]).toEqual({ x: 1 / 32, y: 3 / 32 });
    expect(anchors[511]).toEqual({ x: 31 / 32, y: 31 / 32 });
    expect(anchors[512]).toEqual({ x: 1 / 16, y: 1 / 16 });
    expect(anchors[517]).toEqual({ x: 1 / 16, y: 1 / 16 });
    expect(anchors[518]).toEqual({ x: 3 / 16, y: 1 / 16 });
    expect(anchors[512 + 6 * 8]).toEqual({ x: 1 / 16, y: 3 / 16 });
    expect(anchors[895]).toEqual({ x: 15 / 16, y: 15 / 16 });
  });
});

describe('sigmoid', () => {
  it('is exact at 0 and clipped far out', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(4))).toBeCloseTo(0.8, 15);
    expect(sigmoid(-1e6)).toBe(1 / (1 + Math.exp(100)));
  });
});

describe('decodeBlazeFace', () => {
  const anchors = blazeFaceAnchors();

  function outputs(): { logits: Float32Array; regressors: Float32Array } {
    return { logits: new Float32Array(896).fill(-10), regressors: new Float32Array(896 * 16) };
  }

  it('turns one anchor with known offsets into a known box, keypoints and score', () => {
    const { logits, regressors } = outputs();
    logits[512] = Math.log(4);
    // Centre 16 px right of and 8 px above the anchor at (16, 16) px, 64 x 32 px.
    regressors.set([16, -8, 64, 32, 4, 4, -4, 8, 0, 0, 0, 0, 0, 0, 0, 0], 512 * 16);
    const faces = decodeBlazeFace(logits, regressors, anchors, 0.75);
    expect(faces).toHaveLength(1);
    expect(faces[0].box).toEqual([0, -0.03125, 0.25, 0.09375]);
    expect(faces[0].score).toBeCloseTo(0.8, 6);
    expect(faces[0].keypoints[0]).toEqual([0.078125, 0.078125]);
    expect(faces[0].keypoints[1]).toEqual([0.046875, 0.09375]);
    expect(faces[0].keypoints[5]).toEqual([0.0625, 0.0625]);
  });

  it('reads the second head after the first and keeps scores at the threshold', () => {
    const { logits, regressors } = outputs();
    logits[3] = 0;
    logits[895] = 0;
    regressors.set([0, 0, 32, 32], 895 * 16);
    const faces = decodeBlazeFace(logits, regressors, anchors, 0.5);
    expect(faces.map((f) => f.box)).toEqual([
      [3 / 32, 1 / 32, 3 / 32, 1 / 32],
      [0.875, 0.875, 1, 1],
    ]);
    expect(decodeBlazeFace(logits, regressors, anchors, 0.51)).toEqual([]);
  });
});
