import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { createOnnxSession, ort } from '../onnx/session';
import { loadVerifiedModel } from './model-files';

/**
 * The converted NanoDet must compute what the TF.js original computes: both run on the same
 * tensor made from a real photo, so every layer sees realistic activations.
 */

const SIZE = 416;
// NanoDet's normalisation, per channel in BGR order.
const MEAN = [103.53, 116.28, 123.675];
const STD = [57.375, 57.12, 58.395];
const TOLERANCE = 1e-4;

const OUTPUT_DIMS: Record<string, number[]> = {
  Identity: [1, 2704, 80],
  Identity_1: [1, 676, 80],
  Identity_2: [1, 169, 80],
  Identity_3: [1, 2704, 44],
  Identity_4: [1, 676, 44],
  Identity_5: [1, 169, 44],
};
const OUTPUT_NAMES = Object.keys(OUTPUT_DIMS);

interface Output {
  dims: readonly number[];
  data: Float32Array;
}

async function nanodetInput(photo: string): Promise<Float32Array> {
  const { data } = await sharp(photo)
    .resize(SIZE, SIZE, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = SIZE * SIZE;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i += 1) {
    for (let c = 0; c < 3; c += 1) input[c * plane + i] = (data[i * 3 + (2 - c)] - MEAN[c]) / STD[c];
  }
  return input;
}

/** Reads model.json and its shards from disk: tf.loadGraphModel would otherwise fetch over HTTP. */
function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const model = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
      const groups: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] = model.weightsManifest;
      const shards = groups.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))));
      const weightData = Buffer.concat(shards);
      return {
        modelTopology: model.modelTopology,
        format: model.format,
        generatedBy: model.generatedBy,
        convertedBy: model.convertedBy,
        signature: model.signature,
        weightSpecs: groups.flatMap((group) => group.weights),
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
      };
    },
  };
}

async function runTfjs(modelJsonPath: string, input: Float32Array): Promise<Record<string, Output>> {
  setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  await tf.setBackend('wasm');
  const model = await tf.loadGraphModel(fileHandler(modelJsonPath));
  const x = tf.tensor(input, [1, 3, SIZE, SIZE]);
  try {
    const outputs = model.execute(
      x,
      OUTPUT_NAMES.map((name) => `${name}:0`),
    ) as tf.Tensor[];
    const result = Object.fromEntries(
      OUTPUT_NAMES.map((name, i) => [name, { dims: outputs[i].shape, data: outputs[i].dataSync() as Float32Array }]),
    );
    tf.dispose(outputs);
    return result;
  } finally {
    x.dispose();
    model.dispose();
  }
}

async function runOnnx(
  path: string,
  input: Float32Array,
): Promise<{ inputNames: readonly string[]; outputs: Record<string, Output> }> {
  const session = await createOnnxSession(path);
  try {
    const results = await session.run({ input_1: new ort.Tensor('float32', input, [1, 3, SIZE, SIZE]) });
    const outputs = Object.fromEntries(
      session.outputNames.map((name) => [name, { dims: results[name].dims, data: results[name].data as Float32Array }]),
    );
    return { inputNames: session.inputNames, outputs };
  } finally {
    await session.release();
  }
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('NanoDet-g converted from TF.js to ONNX', () => {
  let original: Record<string, Output>;
  let converted: { inputNames: readonly string[]; outputs: Record<string, Output> };

  beforeAll(async () => {
    const modelsDir = process.env['IMGPIPE_MODELS_DIR'] as string;
    const { entry, path } = await loadVerifiedModel(modelsDir, 'nanodet-g');
    if (entry.source.kind !== 'npm') throw new Error('nanodet-g is expected to come from npm');
    // Where tools/models/fetch-models.mjs keeps the shipped files of a converted model.
    const modelJson = join(modelsDir, 'sources', entry.name, 'package', entry.source.path);
    const input = await nanodetInput(join(process.env['IMGPIPE_PHOTOS_DIR'] as string, 'sample1.jpg'));
    original = await runTfjs(modelJson, input);
    converted = await runOnnx(path, input);
  }, 120_000);

  it('takes input_1 and keeps the original output names', () => {
    expect(converted.inputNames).toEqual(['input_1']);
    expect(Object.keys(converted.outputs).sort()).toEqual(OUTPUT_NAMES);
  });

  it.each(OUTPUT_NAMES)('computes %s as the original does', (name) => {
    expect(original[name].dims).toEqual(OUTPUT_DIMS[name]);
    expect(converted.outputs[name].dims).toEqual(OUTPUT_DIMS[name]);
    expect(maxAbsDifference(original[name].data, converted.outputs[name].data)).toBeLessThanOrEqual(TOLERANCE);
  });
});
