import { Box } from '@imgpipe/contracts';

export interface DbOptions {
  /** Pixels of the probability map above this are text. */
  binaryThreshold: number;
  /** A region is kept when the mean probability over its pixels reaches this. */
  boxThreshold: number;
  /** How far the shrunk region DB predicts is grown back to the full text (DB's `unclip_ratio`). */
  unclipRatio: number;
  /** Regions with a shorter side (in map pixels, before unclipping) are noise. */
  minSide: number;
}

/** PaddleOCR's defaults for its DB detectors. */
export const DEFAULT_DB_OPTIONS: DbOptions = { binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSide: 3 };

export interface ScoredBox {
  box: Box;
  score: number;
}

/**
 * DB post-processing on one `width` x `height` probability map: binarise, label 8-connected
 * regions (what PaddleOCR's contour search treats as one), score each by its mean probability,
 * and grow its axis-aligned box by DB's unclip distance, area x ratio / perimeter, on every side.
 * Boxes are in map pixels: a region covering columns 8..23 spans x from 8 to 24.
 */
export function dbBoxes(
  probabilities: ArrayLike<number>,
  width: number,
  height: number,
  options: DbOptions = DEFAULT_DB_OPTIONS,
): ScoredBox[] {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: ScoredBox[] = [];
  let next = 0;
  for (let start = 0; start < width * height; start++) {
    if (labels[start] !== 0 || !(probabilities[start] > options.binaryThreshold)) continue;
    next++;
    labels[start] = next;
    let top = 0;
    stack[top++] = start;
    let [minX, minY, maxX, maxY, sum, count] = [width, height, -1, -1, 0, 0];
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      sum += probabilities[i];
      count++;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (labels[j] === 0 && probabilities[j] > options.binaryThreshold) {
            labels[j] = next;
            stack[top++] = j;
          }
        }
      }
    }
    const w = maxX + 1 - minX;
    const h = maxY + 1 - minY;
    const score = sum / count;
    if (Math.min(w, h) < options.minSide || score < options.boxThreshold) continue;
    const d = (w * h * options.unclipRatio) / (2 * (w + h));
    boxes.push({
      box: [
        Math.max(0, minX - d),
        Math.max(0, minY - d),
        Math.min(width, maxX + 1 + d),
        Math.min(height, maxY + 1 + d),
      ],
      score,
    });
  }
  return boxes;
}
