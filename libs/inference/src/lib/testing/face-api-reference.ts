import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { dirname, join } from 'node:path';
import { loadVerifiedModel } from '../models/model-files';

/**
 * face-api's own SSD-MobileNetV1 (network, box decoding and NMS), run with TF.js on the wasm
 * backend: the reference the converted model and its TypeScript decoding are held against. Its
 * code and weights are the ones fetch-models keeps beside the converted model, pinned by sha256.
 */

/** The part of face-api's SsdMobilenetv1 the comparisons use. */
export interface FaceApiSsd {
  loadFromDisk(dir: string): Promise<void>;
  forwardInput(input: unknown): { boxes: tf.Tensor2D[]; scores: tf.Tensor1D[] };
  locateFaces(
    input: tf.Tensor3D,
    options: { minConfidence: number; maxResults?: number },
  ): Promise<{ score: number; box: { x: number; y: number; width: number; height: number } }[]>;
  params: { output_layer: { extra_dim: tf.Tensor3D } };
}

export interface FaceApiReference {
  net: FaceApiSsd;
  toNetInput(input: tf.Tensor3D): Promise<unknown>;
  /** The converted model's file, verified against its pin. */
  onnxPath: string;
  /** The shipped anchors of a 512x512 input, [ymin, xmin, ymax, xmax] per anchor. */
  anchors: Float32Array;
}

export async function loadFaceApiReference(modelsDir: string): Promise<FaceApiReference> {
  const { entry, path } = await loadVerifiedModel(modelsDir, 'ssd-mobilenetv1-face');
  // Where tools/models/fetch-models.mjs keeps the shipped files of a converted model.
  const packageDir = join(modelsDir, 'sources', entry.name, 'package');
  setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  await tf.setBackend('wasm');
  // Its require('@tensorflow/tfjs') resolves from the models directory upwards, to this
  // repository's copy while the models are kept under it (the default, .cache/models).
  const faceapi = require(join(packageDir, 'dist/face-api.node-wasm.js'));
  const net: FaceApiSsd = new faceapi.SsdMobilenetv1();
  await net.loadFromDisk(join(packageDir, 'model'));
  const anchors = net.params.output_layer.extra_dim.dataSync() as Float32Array;
  return { net, toNetInput: faceapi.toNetInput, onnxPath: path, anchors };
}

/** face-api's input from the RGB bytes of a square: it pads and resizes nothing at its own size. */
export function pixelTensor(pixels: Uint8Array, size: number): tf.Tensor3D {
  return tf.tensor3d(Float32Array.from(pixels), [size, size, 3]);
}
