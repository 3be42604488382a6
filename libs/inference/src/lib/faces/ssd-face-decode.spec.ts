import { decodeSsdFaces, ssdAnchors, ssdGridSizes, SsdAnchor } from './ssd-face-decode';

describe('ssdGridSizes and ssdAnchors', () => {
  it('gives the six grids of a 512 input and 5118 anchors, as face-api ships', () => {
    expect(ssdGridSizes(512)).toEqual([32, 16, 8, 4, 2, 1]);
    expect(ssdAnchors(512)).toHaveLength(5118);
  });

  it('rounds odd grids up, as TF pads stride-2 layers', () => {
    expect(ssdGridSizes(320)).toEqual([20, 10, 5, 3, 2, 1]);
    expect(ssdAnchors(320)).toHaveLength(20 * 20 * 3 + (100 + 25 + 9 + 4 + 1) * 6);
  });

  it('centres the anchors of the last 1x1 grid on the input', () => {
    const last = ssdAnchors(512).slice(-6);
    for (const [ymin, xmin, ymax, xmax] of last) {
      expect((ymin + ymax) / 2).toBeCloseTo(0.5, 6);
      expect((xmin + xmax) / 2).toBeCloseTo(0.5, 6);
    }
  });
});

describe('decodeSsdFaces', () => {
  const anchors: SsdAnchor[] = [
    [0.1, 0.2, 0.3, 0.4],
    [0.1, 0.2, 0.3, 0.4],
    [0.5, 0.5, 0.9, 0.7],
  ];

  it('returns an anchor itself, as [x1, y1, x2, y2], for a zero encoding', () => {
    const [face] = decodeSsdFaces(new Float32Array(12), new Float32Array([0.9, 0, 0]), anchors, 0.5);
    expect(face.score).toBeCloseTo(0.9, 6);
    face.box.forEach((v, i) => expect(v).toBeCloseTo([0.2, 0.1, 0.4, 0.3][i], 6));
  });

  it('moves the centre by tenths and scales the size by exp(fifths) of the anchor', () => {
    const encodings = new Float32Array([10, 0, 5 * Math.log(2), 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const [face] = decodeSsdFaces(encodings, new Float32Array([0.9, 0, 0]), anchors, 0.5);
    // Centre y 0.2 + 1 * 0.2, height 0.2 * 2; x unchanged.
    face.box.forEach((v, i) => expect(v).toBeCloseTo([0.2, 0.2, 0.4, 0.6][i], 6));
  });

  it('keeps scores strictly above the threshold and the best of overlapping boxes', () => {
    const scores = new Float32Array([0.6, 0.8, 0.5]);
    const faces = decodeSsdFaces(new Float32Array(12), scores, anchors, 0.5);
    expect(faces.map((f) => f.score)).toEqual([scores[1]]);
  });

  it('stops at maxResults, best first', () => {
    const faces = decodeSsdFaces(new Float32Array(12), new Float32Array([0, 0.7, 0.9]), anchors, 0.5, 1);
    expect(faces.map((f) => f.score)).toEqual([new Float32Array([0.9])[0]]);
  });

  it('refuses outputs that do not match the anchors', () => {
    expect(() => decodeSsdFaces(new Float32Array(8), new Float32Array(2), anchors, 0.5)).toThrow('anchors');
  });
});
