import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import sharp from 'sharp';
import { wholeImage } from '../faces/face-input';
import { decodeSsdBox, ssdAnchors, SSD_FACE_INPUT_SIZE } from '../faces/ssd-face-decode';
import { ssdFaceInput } from '../faces/ssd-face-detector';
import { createOnnxSession, ort } from '../onnx/session';
import { FaceApiReference, loadFaceApiReference, pixelTensor } from '../testing/face-api-reference';

/**
 * The SSD-MobileNetV1 face model built from face-api's weight map must compute what face-api's
 * own network computes: both run on the same input made from a real group portrait.
 */

const SIZE = SSD_FACE_INPUT_SIZE;
const ANCHORS = 5118;
const TOLERANCE = 1e-4;

interface Outputs {
  encodings: Float32Array;
  scores: Float32Array;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** face-api's decoded boxes and scores; with `unitAnchors`, every anchor made [-0.5, -0.5, 0.5, 0.5]. */
function runFaceApi(reference: FaceApiReference, netInput: unknown, unitAnchors: boolean) {
  const { output_layer: outputLayer } = reference.net.params;
  const shipped = outputLayer.extra_dim;
  const unit = tf.tensor3d(
    new Float32Array(ANCHORS * 4).map((_, i) => (i % 4 < 2 ? -0.5 : 0.5)),
    [1, ANCHORS, 4],
  );
  if (unitAnchors) outputLayer.extra_dim = unit;
  try {
    const { boxes, scores } = reference.net.forwardInput(netInput);
    const result = { boxes: boxes[0].dataSync() as Float32Array, scores: scores[0].dataSync() as Float32Array };
    tf.dispose([...boxes, ...scores]);
    return result;
  } finally {
    outputLayer.extra_dim = shipped;
    unit.dispose();
  }
}

/**
 * face-api returns boxes, not the network's encodings. Against a unit anchor centred on 0 its
 * decoding is ymin = ty / 10 - exp(th / 5) / 2, ymax = ty / 10 + exp(th / 5) / 2 (x alike), which
 * inverts to float32 precision, so the encodings themselves can be compared.
 */
function encodingsFromUnitBoxes(boxes: Float32Array): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const [ymin, xmin, ymax, xmax] = boxes.subarray(i, i + 4);
    out.set([5 * (ymin + ymax), 5 * (xmin + xmax), 5 * Math.log(ymax - ymin), 5 * Math.log(xmax - xmin)], i);
  }
  return out;
}

describe('SSD-MobileNetV1 face model converted from face-api', () => {
  let reference: FaceApiReference;
  let converted: Outputs & { inputNames: readonly string[]; outputNames: readonly string[]; dims: number[][] };
  let faceApi: { boxes: Float32Array; scores: Float32Array };
  let faceApiEncodings: Float32Array;

  beforeAll(async () => {
    reference = await loadFaceApiReference(process.env['IMGPIPE_MODELS_DIR'] as string);
    const photo = join(process.env['IMGPIPE_PHOTOS_DIR'] as string, 'sample1.jpg');
    const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { data, width: info.width, height: info.height };
    const input = await ssdFaceInput(image, wholeImage(image), SIZE);

    const pixels = pixelTensor(input.pixels, SIZE);
    const netInput = await reference.toNetInput(pixels);
    faceApi = runFaceApi(reference, netInput, false);
    faceApiEncodings = encodingsFromUnitBoxes(runFaceApi(reference, netInput, true).boxes);
    pixels.dispose();

    const session = await createOnnxSession(reference.onnxPath);
    try {
      const out = await session.run({ input: new ort.Tensor('float32', input.tensor, [1, 3, SIZE, SIZE]) });
      converted = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        dims: [out['box_encodings'].dims as number[], out['scores'].dims as number[]],
        encodings: out['box_encodings'].data as Float32Array,
        scores: out['scores'].data as Float32Array,
      };
    } finally {
      await session.release();
    }
  }, 120_000);

  it('takes input [1, 3, 512, 512] and gives one encoding and one score per anchor', () => {
    expect(converted.inputNames).toEqual(['input']);
    expect(converted.outputNames).toEqual(['box_encodings', 'scores']);
    expect(converted.dims).toEqual([
      [1, ANCHORS, 4],
      [1, ANCHORS],
    ]);
  });

  it('computes the face scores as face-api does', () => {
    expect(maxAbsDifference(converted.scores, faceApi.scores)).toBeLessThanOrEqual(TOLERANCE);
    // A real portrait: some anchors are sure of a face, so the comparison is not between near-zeros.
    expect(Math.max(...converted.scores)).toBeGreaterThan(0.9);
  });

  it('computes the box encodings as face-api does', () => {
    expect(maxAbsDifference(converted.encodings, faceApiEncodings)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('generates the anchors face-api ships for a 512 input', () => {
    expect(maxAbsDifference(ssdAnchors(SIZE).flat(), reference.anchors)).toBeLessThanOrEqual(1e-6);
  });

  it('decodes to the boxes face-api decodes, with the generated anchors', () => {
    // face-api's boxes are [ymin, xmin, ymax, xmax]; decodeSsdBox gives [x1, y1, x2, y2].
    const decoded = ssdAnchors(SIZE).flatMap((anchor, i) => {
      const [x1, y1, x2, y2] = decodeSsdBox(converted.encodings, i, anchor);
      return [y1, x1, y2, x2];
    });
    expect(maxAbsDifference(decoded, faceApi.boxes)).toBeLessThanOrEqual(TOLERANCE);
  });
});
