import { decodeEnd2End, decodeYoloV5, decodeYoloV8, recogniseYoloOutput, yoloV5AnchorCount } from './yolo';

describe('recogniseYoloOutput', () => {
  it.each([
    [[1, 25200, 85], { layout: 'yolov5', anchors: 25200, classes: 80 }],
    [[1, 84, 8400], { layout: 'yolov8', anchors: 8400, classes: 80 }],
    [[1, 5, 8400], { layout: 'yolov8', anchors: 8400, classes: 1 }],
    [[1, 6, 8400], { layout: 'yolov8', anchors: 8400, classes: 2 }],
    [[1, 300, 6], { layout: 'end2end', anchors: 300, classes: null }],
    [[1, 25200, 6], { layout: 'yolov5', anchors: 25200, classes: 1 }],
  ])('reads %j at 640x640', (dims, expected) => {
    expect(recogniseYoloOutput(dims, 640, 640)).toEqual(expected);
  });

  it('tells a one-class YOLOv5 head from an end-to-end output by the anchor count of the input size', () => {
    expect(recogniseYoloOutput([1, 6300, 6], 320, 320)?.layout).toBe('yolov5');
    expect(recogniseYoloOutput([1, 6300, 6], 640, 640)?.layout).toBe('end2end');
  });

  it.each([[[1, 7, 7]], [[2, 84, 8400]], [[1, 84, 8400, 1]], [[1, 4, 8400]], [[1, 8400, 5]]])('refuses %j', (dims) => {
    expect(recogniseYoloOutput(dims, 640, 640)).toBeNull();
  });

  it('counts YOLOv5 anchors: 3 per cell at strides 8, 16, 32', () => {
    expect(yoloV5AnchorCount(640, 640)).toBe(25200);
    expect(yoloV5AnchorCount(416, 416)).toBe(10647);
    expect(yoloV5AnchorCount(640, 384)).toBe(15120);
  });
});

const tensor = (dims: number[], values: number[]) => ({ dims, data: Float32Array.from(values) });

describe('decodeYoloV5', () => {
  // 3 anchors, 2 classes: cx, cy, w, h, objectness, class 0, class 1
  const output = tensor(
    [1, 3, 7],
    [...[100, 200, 40, 20, 0.75, 0.5, 0.875], ...[10, 10, 4, 4, 0.125, 1, 0], ...[300, 300, 50, 100, 0.5, 0.625, 0.25]],
  );

  it('scores objectness x best class and converts centre boxes to corners', () => {
    expect(decodeYoloV5(output, 0.25)).toEqual([
      { box: [80, 190, 120, 210], score: 0.65625, classId: 1 },
      { box: [275, 250, 325, 350], score: 0.3125, classId: 0 },
    ]);
  });

  it('keeps only scores above the threshold', () => {
    expect(decodeYoloV5(output, 0.3125).map((c) => c.score)).toEqual([0.65625]);
  });
});

describe('decodeYoloV8', () => {
  // channels first: 4 box rows then 2 class rows, 3 anchors each
  const output = tensor(
    [1, 6, 3],
    [
      ...[100, 320, 600],
      ...[200, 320, 10],
      ...[40, 640, 8],
      ...[20, 100, 8],
      ...[0.5, 0.125, 0.25],
      ...[0.75, 0.25, 0.125],
    ],
  );

  it('reads each anchor down the columns, with no objectness', () => {
    expect(decodeYoloV8(output, 0.2)).toEqual([
      { box: [80, 190, 120, 210], score: 0.75, classId: 1 },
      { box: [0, 270, 640, 370], score: 0.25, classId: 1 },
      { box: [596, 6, 604, 14], score: 0.25, classId: 0 },
    ]);
    expect(decodeYoloV8(output, 0.25)).toHaveLength(1);
  });

  it('decodes a single-class [1, 5, A] head the same way', () => {
    const plate = tensor([1, 5, 2], [...[50, 60], ...[50, 60], ...[20, 10], ...[10, 20], ...[0.875, 0.125]]);
    expect(decodeYoloV8(plate, 0.5)).toEqual([{ box: [40, 45, 60, 55], score: 0.875, classId: 0 }]);
  });
});

describe('decodeEnd2End', () => {
  it('reads corner boxes, score and class id, skipping the zero rows', () => {
    const output = tensor(
      [1, 4, 6],
      [...[10, 20, 30, 40, 0.875, 2], ...[5, 5, 9, 9, 0.125, 0], ...[0, 0, 0, 0, 0, 0], ...[0, 0, 0, 0, 0, 0]],
    );
    expect(decodeEnd2End(output, 0)).toEqual([
      { box: [10, 20, 30, 40], score: 0.875, classId: 2 },
      { box: [5, 5, 9, 9], score: 0.125, classId: 0 },
    ]);
    expect(decodeEnd2End(output, 0.5)).toHaveLength(1);
  });
});
