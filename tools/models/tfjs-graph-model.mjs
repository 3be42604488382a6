// Reads a TF.js graph model (model.json + binary weight shards) into plain data:
// the GraphDef nodes as they are, and every weight decoded to a typed array. Also reads a bare
// weights manifest (the layers-style weight maps face-api ships, whose network lives in code).

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const BYTES_PER_ELEMENT = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 };

/**
 * @typedef {{ dtype: 'float32' | 'int32', shape: number[], data: Float32Array | Int32Array }} Constant
 * @typedef {{ name: string, op: string, input?: string[], attr?: Record<string, any> }} GraphNode
 */

/** @returns {Promise<{ nodes: GraphNode[], weights: Map<string, Constant>, signature: any }>} */
export async function readTfjsGraphModel(modelJsonPath) {
  const model = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  if (model.format !== 'graph-model') {
    throw new Error(`${modelJsonPath}: format "${model.format}" is not a TF.js graph model`);
  }
  const weights = await readWeights(model.weightsManifest, dirname(modelJsonPath));
  return { nodes: model.modelTopology.node, weights, signature: model.signature };
}

/** @returns {Promise<Map<string, Constant>>} every weight of a `*-weights_manifest.json` */
export async function readWeightsManifest(manifestPath) {
  return readWeights(JSON.parse(await readFile(manifestPath, 'utf8')), dirname(manifestPath));
}

async function readWeights(groups, dir) {
  const weights = new Map();
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    decodeGroup(group.weights, Buffer.concat(shards), weights);
  }
  return weights;
}

function decodeGroup(specs, buffer, into) {
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const storedAs = spec.quantization ? spec.quantization.dtype : spec.dtype;
    const bytes = BYTES_PER_ELEMENT[storedAs];
    if (!bytes || !['float32', 'int32'].includes(spec.dtype)) {
      throw new Error(`weight ${spec.name}: dtype ${spec.dtype} stored as ${storedAs} is not supported`);
    }
    const raw = buffer.subarray(offset, offset + count * bytes);
    if (raw.length !== count * bytes) throw new Error(`weight ${spec.name}: the shards end early`);
    offset += raw.length;
    const data = storedAs.startsWith('uint') ? dequantize(spec, raw) : decodeValues(storedAs, raw, count);
    into.set(spec.name, { dtype: spec.dtype, shape: spec.shape, data });
  }
}

// As TF.js's decodeWeights does it: q * scale + min in double precision, then stored, so the
// converted weights are bit for bit the ones the TF.js original computes with.
function dequantize(spec, raw) {
  const { dtype, scale, min } = spec.quantization;
  const quantized = dtype === 'uint8' ? new Uint8Array(raw) : new Uint16Array(new Uint8Array(raw).buffer);
  if (spec.dtype === 'int32') return Int32Array.from(quantized, (q) => Math.round(q * scale + min));
  return Float32Array.from(quantized, (q) => q * scale + min);
}

function decodeValues(storedAs, raw, count) {
  // A copy, because a typed array view into the shared buffer would need an aligned offset.
  const copy = new Uint8Array(raw).buffer;
  if (storedAs === 'float32') return new Float32Array(copy);
  if (storedAs === 'int32') return new Int32Array(copy);
  const halves = new Uint16Array(copy);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 1) out[i] = halfToFloat(halves[i]);
  return out;
}

// Exact: every float16 value is representable in float32, so this matches what TF.js computes.
function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
