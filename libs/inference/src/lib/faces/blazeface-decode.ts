import { Box } from '@imgpipe/contracts';

/** Side of the back-256 model's square input, in pixels. */
export const BLAZEFACE_INPUT_SIZE = 256;

export interface Anchor {
  /** Centre in [0, 1] of the model input. */
  x: number;
  y: number;
}

/** A face in normalised coordinates ([0, 1] of the model input) before it is mapped back to an image. */
export interface NormalisedFace {
  box: Box;
  score: number;
  keypoints: [number, number][];
}

/**
 * The back-256 model's 896 anchors in the order of its outputs: a 16x16 grid with 2 anchors per
 * cell (`Identity:0`), then an 8x8 grid with 6 per cell (`Identity_1:0`). All anchors of a cell
 * share its centre; the model predicts sizes itself, so anchors carry no width or height.
 */
export function blazeFaceAnchors(): Anchor[] {
  const anchors: Anchor[] = [];
  for (const [grid, perCell] of [
    [16, 2],
    [8, 6],
  ]) {
    for (let row = 0; row < grid; row++) {
      for (let col = 0; col < grid; col++) {
        for (let k = 0; k < perCell; k++) anchors.push({ x: (col + 0.5) / grid, y: (row + 0.5) / grid });
      }
    }
  }
  return anchors;
}

const KEYPOINTS = 6;
const VALUES_PER_ANCHOR = 4 + 2 * KEYPOINTS;

/** Clipped like MediaPipe's decoder, so huge logits cannot overflow `exp`. */
export function sigmoid(logit: number): number {
  const clipped = Math.max(-100, Math.min(100, logit));
  return 1 / (1 + Math.exp(-clipped));
}

/**
 * Turns raw outputs into faces above `scoreThreshold`. `logits` holds one value per anchor and
 * `regressors` 16 per anchor (cx, cy, w, h, then six x/y keypoints), both in the anchors' order
 * (the two output heads concatenated); offsets and sizes are in input pixels of a `size` square.
 */
export function decodeBlazeFace(
  logits: ArrayLike<number>,
  regressors: ArrayLike<number>,
  anchors: readonly Anchor[],
  scoreThreshold: number,
  size = BLAZEFACE_INPUT_SIZE,
): NormalisedFace[] {
  const faces: NormalisedFace[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const score = sigmoid(logits[i]);
    if (score < scoreThreshold) continue;
    const o = i * VALUES_PER_ANCHOR;
    const { x, y } = anchors[i];
    const cx = x + regressors[o] / size;
    const cy = y + regressors[o + 1] / size;
    const w = regressors[o + 2] / size;
    const h = regressors[o + 3] / size;
    const keypoints: [number, number][] = [];
    for (let k = 0; k < KEYPOINTS; k++) {
      keypoints.push([x + regressors[o + 4 + 2 * k] / size, y + regressors[o + 5 + 2 * k] / size]);
    }
    faces.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, keypoints });
  }
  return faces;
}
