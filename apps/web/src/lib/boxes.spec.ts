import type { JobMetadata } from '@imgpipe/contracts';
import { countByKind, describeDetection, detectionsOf, labelSize, scaleBox } from './boxes';

const metadata = {
  image: { width: 1000, height: 500 },
  blur_metadata: {
    regions: [
      { kind: 'face', box: [10, 20, 110, 140], score: 0.93, source: 'blazeface' },
      { kind: 'plate', box: [600, 400, 680, 430], score: 0.71, source: 'ppocr-text' },
      { kind: 'face', box: [300, 50, 340, 100], score: 0.8, source: 'person-head-fallback' },
    ],
  },
  detection_metadata: {
    objects: [
      { label: 'car', box: [500, 300, 900, 480], score: 0.88 },
      { label: 'person', box: [280, 40, 360, 400], score: 0.64 },
    ],
  },
} as unknown as JobMetadata;

describe('detectionsOf', () => {
  it('lists the blurred regions, then the objects, keeping each box as the metadata has it', () => {
    const detections = detectionsOf(metadata);
    expect(detections.map((d) => [d.kind, d.label])).toEqual([
      ['face', 'face'],
      ['plate', 'plate'],
      ['face', 'face'],
      ['object', 'car'],
      ['object', 'person'],
    ]);
    expect(detections[1]).toEqual({
      kind: 'plate',
      label: 'plate',
      score: 0.71,
      source: 'ppocr-text',
      box: [600, 400, 680, 430],
    });
    expect(detections[3].source).toBeUndefined();
    expect(countByKind(detections)).toEqual({ face: 2, plate: 1, object: 2 });
  });

  it('draws nothing for an image with nothing found', () => {
    const empty = {
      ...metadata,
      blur_metadata: { ...metadata.blur_metadata, regions: [] },
      detection_metadata: { ...metadata.detection_metadata, objects: [] },
    } as JobMetadata;
    expect(detectionsOf(empty)).toEqual([]);
    expect(countByKind([])).toEqual({ face: 0, plate: 0, object: 0 });
  });
});

describe('scaleBox', () => {
  const full = { width: 1000, height: 500 };

  it('turns corners into a rectangle unchanged when the sizes match', () => {
    expect(scaleBox([10, 20, 110, 140], full, full)).toEqual({ x: 10, y: 20, width: 100, height: 120 });
  });

  it('scales each axis by the ratio of the sizes', () => {
    expect(scaleBox([100, 100, 300, 200], full, { width: 500, height: 250 })).toEqual({
      x: 50,
      y: 50,
      width: 100,
      height: 50,
    });
    // A stretched display scales the axes differently.
    expect(scaleBox([100, 100, 300, 200], full, { width: 2000, height: 250 })).toEqual({
      x: 200,
      y: 50,
      width: 400,
      height: 50,
    });
  });

  it('clips a box that reaches past the image before scaling it', () => {
    expect(scaleBox([-20, -10, 50, 40], full, { width: 500, height: 250 })).toEqual({
      x: 0,
      y: 0,
      width: 25,
      height: 20,
    });
    expect(scaleBox([950, 450, 1100, 600], full, full)).toEqual({ x: 950, y: 450, width: 50, height: 50 });
  });

  it('accepts corners in either order', () => {
    expect(scaleBox([110, 140, 10, 20], full, full)).toEqual({ x: 10, y: 20, width: 100, height: 120 });
  });

  it('gives an empty rectangle for a box entirely outside the image', () => {
    expect(scaleBox([1200, 10, 1300, 50], full, full)).toEqual({ x: 1000, y: 10, width: 0, height: 40 });
  });

  it('refuses a source size of zero rather than drawing at infinity', () => {
    expect(() => scaleBox([0, 0, 1, 1], { width: 0, height: 10 }, full)).toThrow(RangeError);
  });
});

describe('labels', () => {
  it('sizes label text to the image, never below 10 px', () => {
    expect(labelSize({ width: 6000, height: 4000 })).toBe(100);
    expect(labelSize({ width: 300, height: 200 })).toBe(10);
  });

  it('says the label, the score in percent and where a region came from', () => {
    const [face, , , car] = detectionsOf(metadata);
    expect(describeDetection(face)).toBe('face 93 %, blazeface');
    expect(describeDetection(car)).toBe('car 88 %');
  });
});
