import { InputTensorSpec } from '../geometry/letterbox';
import { bestClass, Candidate, OutputTensor } from './candidate';

/** GFL's reg_max for NanoDet-g: each side is a distribution over 0..10 strides. */
export const NANODET_BINS = 11;
const SIDES = 4;
const DISTRIBUTION_WIDTH = SIDES * NANODET_BINS;
const STRIDES = [8, 16, 32, 64, 128];

/**
 * BGR with ImageNet mean/std on 0-255 values, stretched to the input. Stretching, as the TF.js
 * original is run, beat an aspect-preserving letterbox on the test photos: it finds the small
 * pedestrians of street scenes and names horses horses, where the letterbox saw cows.
 */
export function nanodetInputSpec(width: number, height: number): InputTensorSpec {
  return {
    width,
    height,
    layout: 'nchw',
    channelOrder: 'bgr',
    mean: [103.53, 116.28, 123.675],
    std: [57.375, 57.12, 58.395],
    padValue: 0,
    fit: 'stretch',
  };
}

/** One feature level: which outputs hold its class scores and its box distributions. */
export interface NanoDetLevel {
  stride: number;
  gridWidth: number;
  scores: string;
  distances: string;
}

export interface NanoDetHeads {
  levels: NanoDetLevel[];
  classes: number;
}

/**
 * Pairs the outputs by shape, not by name: TF.js conversion names them `Identity`..`Identity_5` in an
 * order that has nothing to do with their role. Distributions are `[1, N, 44]`, scores `[1, N, C]`,
 * and N = ceil(W / stride) x ceil(H / stride) gives the stride. Null when the outputs are not such pairs.
 */
export function matchNanoDetHeads(
  outputs: readonly { name: string; dims: readonly number[] }[],
  inputWidth: number,
  inputHeight: number,
): NanoDetHeads | null {
  if (outputs.length < 2 || outputs.length % 2 !== 0) return null;
  if (outputs.some((o) => o.dims.length !== 3 || o.dims[0] !== 1)) return null;
  const distances = outputs.filter((o) => o.dims[2] === DISTRIBUTION_WIDTH);
  const scores = outputs.filter((o) => o.dims[2] !== DISTRIBUTION_WIDTH);
  const classes = scores[0]?.dims[2];
  if (distances.length !== scores.length || scores.some((s) => s.dims[2] !== classes)) return null;
  const levels: NanoDetLevel[] = [];
  for (const d of distances) {
    const cells = d.dims[1];
    const stride = STRIDES.find((s) => Math.ceil(inputWidth / s) * Math.ceil(inputHeight / s) === cells);
    const score = scores.find((s) => s.dims[1] === cells);
    if (stride === undefined || score === undefined || levels.some((l) => l.stride === stride)) return null;
    levels.push({ stride, gridWidth: Math.ceil(inputWidth / stride), scores: score.name, distances: d.name });
  }
  return { levels: levels.sort((a, b) => a.stride - b.stride), classes };
}

/**
 * GFL decoding: scores are already sigmoid; each side's distance is the expectation of the softmax
 * over its bins, in strides, measured from the cell centre ((cell + 0.5) x stride).
 */
export function decodeNanoDet(
  levels: readonly { stride: number; gridWidth: number; scores: OutputTensor; distances: OutputTensor }[],
  scoreThreshold: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (const { stride, gridWidth, scores, distances } of levels) {
    const [, cells, classes] = scores.dims;
    for (let i = 0; i < cells; i++) {
      const best = bestClass(scores.data, i * classes, classes);
      if (best.score <= scoreThreshold) continue;
      const cx = ((i % gridWidth) + 0.5) * stride;
      const cy = (Math.floor(i / gridWidth) + 0.5) * stride;
      const side = (k: number) => expectedBin(distances.data, i * DISTRIBUTION_WIDTH + k * NANODET_BINS) * stride;
      out.push({
        box: [cx - side(0), cy - side(1), cx + side(2), cy + side(3)],
        score: best.score,
        classId: best.classId,
      });
    }
  }
  return out;
}

/** Expectation of the bin index under softmax(logits); the max is subtracted so exp never overflows. */
export function expectedBin(logits: Float32Array, offset: number): number {
  let max = -Infinity;
  for (let k = 0; k < NANODET_BINS; k++) max = Math.max(max, logits[offset + k]);
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < NANODET_BINS; k++) {
    const e = Math.exp(logits[offset + k] - max);
    sum += e;
    weighted += e * k;
  }
  return weighted / sum;
}
