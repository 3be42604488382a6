import { Box } from '@imgpipe/contracts';
import { nms } from '../geometry/nms';

/**
 * Anchors and box decoding of face-api's SSD-MobileNetV1 face detector (TF Object Detection API's
 * SSD with its default multiple-grid anchors). face-api ships the 5118 anchors of a 512x512 input
 * as a weight (`Output/extra_dim`); they are generated here instead, so that other input sizes
 * get the anchors TF's generator gives their grids (checked equal to face-api's at 512).
 */

/** face-api's input size, and the size the shipped anchors were made for. */
export const SSD_FACE_INPUT_SIZE = 512;

/** An anchor as [ymin, xmin, ymax, xmax] in [0, 1] of the model input, TF's order. */
export type SsdAnchor = [number, number, number, number];

const LAYERS = 6;
const MIN_SCALE = 0.2;
const MAX_SCALE = 0.95;
// 0.3333 rather than 1/3 in the training config: the shipped anchors of that ratio are not exact mirrors.
const ASPECT_RATIOS = [1, 2, 0.5, 3, 0.3333];
// face-api's SsdMobilenetv1.locateFaces.
const NMS_IOU = 0.5;
export const SSD_DEFAULT_MAX_RESULTS = 100;

/**
 * Side of each of the six feature grids for a `size` square input: the stride-2 layers pad as
 * TF's 'same' does, so each halves with rounding up (512: 32, 16, 8, 4, 2, 1).
 */
export function ssdGridSizes(size: number): number[] {
  const half = (n: number) => Math.ceil(n / 2);
  let grid = size;
  for (let i = 0; i < 4; i++) grid = half(grid);
  const grids = [grid];
  while (grids.length < LAYERS) grids.push(half(grids[grids.length - 1]));
  return grids;
}

/** Every anchor in the order of the model's outputs: grid by grid, then row, column and box shape. */
export function ssdAnchors(size: number): SsdAnchor[] {
  const scales = Array.from({ length: LAYERS }, (_, i) => MIN_SCALE + ((MAX_SCALE - MIN_SCALE) * i) / (LAYERS - 1));
  scales.push(1);
  const anchors: SsdAnchor[] = [];
  ssdGridSizes(size).forEach((grid, layer) => {
    const scale = scales[layer];
    // [scale, aspect ratio]; the lowest layer has three small boxes only.
    const shapes =
      layer === 0
        ? [
            [0.1, 1],
            [scale, 2],
            [scale, 0.5],
          ]
        : [[scale, 1], [Math.sqrt(scale * scales[layer + 1]), 1], ...ASPECT_RATIOS.slice(1).map((r) => [scale, r])];
    for (let row = 0; row < grid; row++) {
      for (let col = 0; col < grid; col++) {
        const cy = (row + 0.5) / grid;
        const cx = (col + 0.5) / grid;
        for (const [s, ratio] of shapes) {
          const h = s / Math.sqrt(ratio);
          const w = s * Math.sqrt(ratio);
          anchors.push([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2]);
        }
      }
    }
  });
  return anchors;
}

/** A face as [x1, y1, x2, y2] in [0, 1] of the model input, not clamped. */
export interface NormalisedSsdFace {
  box: Box;
  score: number;
}

/**
 * face-api's decoding (outputLayer.ts) and selection (nonMaxSuppression.ts): box centre offsets
 * are tenths and log sizes fifths of the anchor's size; scores above `scoreThreshold` are kept,
 * then greedy NMS at IoU 0.5 on the unclamped boxes, best first, at most `maxResults`.
 */
export function decodeSsdFaces(
  encodings: Float32Array,
  scores: Float32Array,
  anchors: readonly SsdAnchor[],
  scoreThreshold: number,
  maxResults = SSD_DEFAULT_MAX_RESULTS,
): NormalisedSsdFace[] {
  if (scores.length !== anchors.length || encodings.length !== 4 * anchors.length) {
    throw new Error(`the model gave ${scores.length} scores for ${anchors.length} anchors`);
  }
  const candidates: NormalisedSsdFace[] = [];
  for (let i = 0; i < anchors.length; i++) {
    if (scores[i] > scoreThreshold) candidates.push({ box: decodeSsdBox(encodings, i, anchors[i]), score: scores[i] });
  }
  return nms(candidates, NMS_IOU).slice(0, maxResults);
}

/** The box of anchor `index`, [x1, y1, x2, y2] in [0, 1] of the model input. */
export function decodeSsdBox(encodings: Float32Array, index: number, [ymin, xmin, ymax, xmax]: SsdAnchor): Box {
  const h = ymax - ymin;
  const w = xmax - xmin;
  const cy = (encodings[4 * index] / 10) * h + ymin + h / 2;
  const cx = (encodings[4 * index + 1] / 10) * w + xmin + w / 2;
  const halfH = (Math.exp(encodings[4 * index + 2] / 5) * h) / 2;
  const halfW = (Math.exp(encodings[4 * index + 3] / 5) * w) / 2;
  return [cx - halfW, cy - halfH, cx + halfW, cy + halfH];
}
