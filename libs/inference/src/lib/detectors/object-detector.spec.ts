import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { ort } from '../onnx/session';
import { RgbImage } from '../types';
import { ObjectDetector, UnsupportedModelError } from './object-detector';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
// The factory's type hides that sessions share one class, whose `run` the tests count.
const sessionPrototype = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype;
const INFO = { name: 'test', version: '1', sha256: '0'.repeat(64) };

interface Output {
  name: string;
  dims: number[];
  values: Float32Array;
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function valueInfo(name: string, shape: (number | string)[]): onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

/**
 * An opset-13 model whose outputs are fixed tensors. With `symbolic`, the input's batch and size are
 * symbolic and each output is `constant + 0 x mean(input)`, so onnxruntime cannot know the output
 * shapes until the model runs, as with a dynamic-axes export.
 */
function writeModel(
  dir: string,
  file: string,
  outputs: Output[],
  { input = 'images', size = [640, 640], symbolic = false } = {},
): string {
  const nodes: onnx.INodeProto[] = [];
  const initializer: onnx.ITensorProto[] = [];
  if (symbolic) {
    initializer.push(floatTensor('zero', [], new Float32Array([0])));
    initializer.push({ name: 'last_axis', dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [3] });
    nodes.push(
      {
        opType: 'ReduceMean',
        input: [input],
        output: ['mean'],
        attribute: [{ name: 'axes', ints: [1, 2, 3], type: 7 }],
      },
      { opType: 'Mul', input: ['mean', 'zero'], output: ['nothing'] },
      { opType: 'Squeeze', input: ['nothing', 'last_axis'], output: ['nothing_3d'] },
    );
  }
  for (const o of outputs) {
    const constant = `${o.name}_value`;
    nodes.push({
      opType: 'Constant',
      output: [constant],
      attribute: [
        { name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: floatTensor('', o.dims, o.values) },
      ],
    });
    nodes.push(
      symbolic
        ? { opType: 'Add', input: [constant, 'nothing_3d'], output: [o.name] }
        : { opType: 'Identity', input: [constant], output: [o.name] },
    );
  }
  const inputShape = symbolic ? ['batch', 3, 'height', 'width'] : [1, 3, size[1], size[0]];
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'object-detector.spec',
    graph: {
      name: file,
      node: nodes,
      initializer,
      input: [valueInfo(input, inputShape)],
      output: outputs.map((o) =>
        valueInfo(o.name, symbolic ? ['batch', ...o.dims.slice(1).map((_, i) => `d${i}`)] : o.dims),
      ),
    },
  });
  const path = join(dir, file);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/** Rows of `width` numbers, the given ones first and zeros after. */
function rows(count: number, width: number, given: number[][]): Float32Array {
  const data = new Float32Array(count * width);
  given.forEach((row, r) => data.set(row, r * width));
  return data;
}

/** Channels-first: each given anchor becomes one column. */
function columns(channels: number, anchors: number, given: number[][]): Float32Array {
  const data = new Float32Array(channels * anchors);
  given.forEach((anchor, a) => anchor.forEach((v, c) => (data[c * anchors + a] = v)));
  return data;
}

/** A class-score vector of `classes` zeros with `score` at `classId`. */
function oneClass(classes: number, classId: number, score: number): number[] {
  const s = new Array<number>(classes).fill(0);
  s[classId] = score;
  return s;
}

// 1280x720 letterboxes into 640x640 at 1/2, 140 rows of padding above: model (x, y) = original (x/2, y/2 + 140).
const photo: RgbImage = { data: new Uint8Array(1280 * 720 * 3).fill(90), width: 1280, height: 720 };
const DOG = 16;
const CAR = 2;

describe('ObjectDetector', () => {
  let dir: string;
  const detectors: ObjectDetector[] = [];
  const load = async (path: string, labels?: string[]) => {
    const detector = await ObjectDetector.create(path, INFO, { labels });
    detectors.push(detector);
    return detector;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'object-detector-'));
  });
  afterAll(async () => {
    await Promise.all(detectors.map((d) => d.dispose()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes YOLOv5 raw [1,A,85] and maps boxes to the original', async () => {
    const values = rows(100, 85, [
      [200, 290, 200, 100, 0.75, ...oneClass(80, DOG, 0.5)],
      [320, 320, 640, 640, 0.125, ...oneClass(80, CAR, 1)],
    ]);
    const runs = jest.spyOn(sessionPrototype, 'run');
    const detector = await load(writeModel(dir, 'v5.onnx', [{ name: 'output0', dims: [1, 100, 85], values }]));
    expect(runs).not.toHaveBeenCalled(); // fixed shapes are read from the metadata
    runs.mockRestore();
    expect(detector.layout).toBe('yolov5');
    expect(detector.info).toBe(INFO);
    expect(await detector.detect(photo, { scoreThreshold: 0.1 })).toEqual([
      { box: [200, 200, 600, 400], score: 0.375, classId: DOG, label: 'dog' },
      { box: [0, 0, 1280, 720], score: 0.125, classId: CAR, label: 'car' },
    ]);
  });

  it('decodes YOLOv8/YOLO11 raw [1,84,A]', async () => {
    const values = columns(84, 210, [
      [640, 500, 100, 60, ...oneClass(80, 0, 0.875)],
      [20, 160, 40, 40, ...oneClass(80, 7, 0.625)],
    ]);
    const detector = await load(writeModel(dir, 'v8.onnx', [{ name: 'output0', dims: [1, 84, 210], values }]));
    expect(detector.layout).toBe('yolov8');
    expect(await detector.detect(photo, { scoreThreshold: 0.25 })).toEqual([
      { box: [1180, 660, 1280, 720], score: 0.875, classId: 0, label: 'person' },
      { box: [0, 0, 80, 80], score: 0.625, classId: 7, label: 'truck' },
    ]);
  });

  it('decodes a single-class [1,5,A] plate model with its own label', async () => {
    const values = columns(5, 40, [
      [320, 320, 64, 16, 0.875],
      [100, 200, 10, 10, 0.25],
    ]);
    const path = writeModel(dir, 'plate-v8.onnx', [{ name: 'output0', dims: [1, 5, 40], values }]);
    const detector = await load(path, ['plate']);
    expect(detector.layout).toBe('yolov8');
    expect(await detector.detect(photo, { scoreThreshold: 0.5, classes: ['plate'] })).toEqual([
      { box: [576, 344, 704, 376], score: 0.875, classId: 0, label: 'plate' },
    ]);
  });

  it('decodes end-to-end [1,N,6] exports, COCO or single-class', async () => {
    const values = rows(300, 6, [
      [100, 240, 300, 340, 0.75, DOG],
      [0, 100, 64, 200, 0.5, CAR],
    ]);
    const path = writeModel(dir, 'e2e.onnx', [{ name: 'output0', dims: [1, 300, 6], values }]);
    const coco = await load(path);
    expect(coco.layout).toBe('end2end');
    expect(await coco.detect(photo, { scoreThreshold: 0.25 })).toEqual([
      { box: [200, 200, 600, 400], score: 0.75, classId: DOG, label: 'dog' },
      { box: [0, 0, 128, 120], score: 0.5, classId: CAR, label: 'car' },
    ]);
    const plates = rows(20, 6, [[300, 300, 340, 310, 0.625, 0]]);
    const plate = await load(
      writeModel(dir, 'plate-e2e.onnx', [{ name: 'output0', dims: [1, 20, 6], values: plates }]),
      ['plate'],
    );
    expect(await plate.detect(photo, { scoreThreshold: 0.25 })).toEqual([
      { box: [600, 320, 680, 340], score: 0.625, classId: 0, label: 'plate' },
    ]);
  });

  describe('filtering', () => {
    let detector: ObjectDetector;
    beforeAll(async () => {
      const values = columns(84, 120, [
        [200, 290, 200, 100, ...oneClass(80, DOG, 0.875)],
        [210, 290, 200, 100, ...oneClass(80, DOG, 0.75)], // IoU with the first 0.905: suppressed
        [210, 290, 200, 100, ...oneClass(80, CAR, 0.625)], // same place, other class: kept
        [300, 290, 200, 100, ...oneClass(80, DOG, 0.5)], // IoU with the first 1/3: kept
        [500, 400, 20, 20, ...oneClass(80, DOG, 0.25)],
      ]);
      detector = await load(writeModel(dir, 'filtering.onnx', [{ name: 'output0', dims: [1, 84, 120], values }]));
    });
    const scores = (found: { score: number }[]) => found.map((d) => d.score);

    it('suppresses overlapping boxes of one class only, IoU 0.45 by default', async () => {
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.3 }))).toEqual([0.875, 0.625, 0.5]);
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.3, iouThreshold: 0.95 }))).toEqual([
        0.875, 0.75, 0.625, 0.5,
      ]);
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.3, iouThreshold: 0.3 }))).toEqual([0.875, 0.625]);
    });

    it('keeps scores above the threshold, the wanted classes and at most maxDetections', async () => {
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.2 }))).toEqual([0.875, 0.625, 0.5, 0.25]);
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.5 }))).toEqual([0.875, 0.625]);
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.2, classes: ['car'] }))).toEqual([0.625]);
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.2, classes: ['dog', 'person'] }))).toEqual([
        0.875, 0.5, 0.25,
      ]);
      expect(scores(await detector.detect(photo, { scoreThreshold: 0.2, maxDetections: 2 }))).toEqual([0.875, 0.625]);
    });

    it('refuses labels the model does not know', async () => {
      await expect(detector.detect(photo, { scoreThreshold: 0.2, classes: ['doggo'] })).rejects.toThrow(
        /unknown class label\(s\) doggo/,
      );
    });
  });

  it('runs the model once to learn symbolic output shapes, at 640x640', async () => {
    const values = columns(84, 100, [[320, 320, 64, 64, ...oneClass(80, DOG, 0.75)]]);
    const path = writeModel(dir, 'dynamic.onnx', [{ name: 'output0', dims: [1, 84, 100], values }], { symbolic: true });
    const runs = jest.spyOn(sessionPrototype, 'run');
    const detector = await load(path);
    expect(runs).toHaveBeenCalledTimes(1);
    expect((runs.mock.calls[0][0] as Record<string, ort.Tensor>)['images'].dims).toEqual([1, 3, 640, 640]);
    runs.mockRestore();
    expect(detector.layout).toBe('yolov8');
    expect(await detector.detect(photo, { scoreThreshold: 0.5 })).toEqual([
      { box: [576, 296, 704, 424], score: 0.75, classId: DOG, label: 'dog' },
    ]);
  });

  it('decodes NanoDet outputs matched by shape, in its own input size', async () => {
    // 64x64 input, stretched: model (x, y) = original (x / 20, y / 11.25).
    const cells = [64, 16, 4];
    const scoreValues = cells.map((n) => new Float32Array(n * 80));
    const distanceValues = cells.map((n) => new Float32Array(n * 44).fill(-1000));
    scoreValues[0][27 * 80 + CAR] = 0.875; // stride 8, column 3, row 3: centre (28, 28)
    for (let side = 0; side < 4; side++) distanceValues[0][27 * 44 + side * 11 + 2] = 0; // 2 strides each way
    const outputs: Output[] = [
      { name: 'Identity', dims: [1, 4, 44], values: distanceValues[2] },
      { name: 'Identity_1', dims: [1, 64, 80], values: scoreValues[0] },
      { name: 'Identity_2', dims: [1, 16, 44], values: distanceValues[1] },
      { name: 'Identity_3', dims: [1, 4, 80], values: scoreValues[2] },
      { name: 'Identity_4', dims: [1, 64, 44], values: distanceValues[0] },
      { name: 'Identity_5', dims: [1, 16, 80], values: scoreValues[1] },
    ];
    const detector = await load(writeModel(dir, 'nanodet.onnx', outputs, { input: 'input_1', size: [64, 64] }));
    expect(detector.layout).toBe('nanodet');
    expect(await detector.detect(photo, { scoreThreshold: 0.35 })).toEqual([
      { box: [240, 135, 880, 495], score: 0.875, classId: CAR, label: 'car' },
    ]);
  });

  it('refuses an output layout it cannot read, naming the shapes it saw', async () => {
    const path = writeModel(dir, 'odd.onnx', [
      { name: 'boxes', dims: [1, 7, 7], values: new Float32Array(49) },
      { name: 'extra', dims: [1, 3], values: new Float32Array(3) },
    ]);
    const attempt = ObjectDetector.create(path, INFO, {});
    await expect(attempt).rejects.toThrow(UnsupportedModelError);
    await expect(attempt).rejects.toThrow(/boxes \[1,7,7\], extra \[1,3\]/);
  });

  it('refuses labels that do not match the classes the model scores', async () => {
    const values = columns(6, 8, []);
    const path = writeModel(dir, 'two-class.onnx', [{ name: 'output0', dims: [1, 6, 8], values }]);
    await expect(ObjectDetector.create(path, INFO, {})).rejects.toThrow(
      /scores 2 classes but 80 labels were given \(COCO by default\)/,
    );
    await expect(ObjectDetector.create(path, INFO, { labels: ['plate'] })).rejects.toThrow(
      /scores 2 classes but 1 labels/,
    );
    expect((await load(path, ['plate', 'sign'])).layout).toBe('yolov8');
  });
});
