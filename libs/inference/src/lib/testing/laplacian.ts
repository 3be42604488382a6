import { Box } from '@imgpipe/contracts';

/**
 * The fraction by which the Laplacian variance inside a face's box must drop for the face to
 * count as blurred (before → after), the acceptance criterion of the blur tests.
 */
export const BLUR_MIN_DROP = 0.65;

/**
 * Variance of the 3x3 Laplacian (0 1 0 / 1 -4 1 / 0 1 0, OpenCV's default) of the grey level
 * inside `box` ([x1, y1, x2, y2], x2/y2 exclusive, rounded and clipped to the image).
 *
 * Only pixels whose whole 3x3 neighbourhood lies inside the box count, so the value depends on
 * the box's contents alone: a blurred box next to sharp surroundings is not credited with the
 * edge between them. Grey is 0.299 R + 0.587 G + 0.114 B, unrounded, so a grey image reads its
 * own values exactly. The variance is the population variance. A box too small to hold one
 * 3x3 neighbourhood gives 0.
 *
 * `pixels` is interleaved 8-bit data with `channels` channels (3 for RGB, 4 for RGBA; alpha is
 * ignored).
 */
export function laplacianVariance(
  pixels: Uint8Array,
  width: number,
  height: number,
  box: Box,
  channels: 3 | 4 = 3,
): number {
  if (pixels.length < width * height * channels) {
    throw new RangeError(`${pixels.length} bytes cannot hold a ${width}x${height} image with ${channels} channels`);
  }
  const x1 = clamp(Math.round(box[0]), 0, width);
  const y1 = clamp(Math.round(box[1]), 0, height);
  const x2 = clamp(Math.round(box[2]), 0, width);
  const y2 = clamp(Math.round(box[3]), 0, height);
  const w = x2 - x1;
  const h = y2 - y1;
  if (w < 3 || h < 3) return 0;

  const grey = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    let src = ((y1 + y) * width + x1) * channels;
    for (let x = 0; x < w; x++, src += channels) {
      grey[y * w + x] = (299 * pixels[src] + 587 * pixels[src + 1] + 114 * pixels[src + 2]) / 1000;
    }
  }

  // Two passes (mean, then squared deviations): exact on the small integer-valued test
  // patterns, and stable on large boxes.
  const values = new Float64Array((w - 2) * (h - 2));
  let n = 0;
  let sum = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const value = grey[i - w] + grey[i + w] + grey[i - 1] + grey[i + 1] - 4 * grey[i];
      values[n++] = value;
      sum += value;
    }
  }
  const mean = sum / n;
  let squares = 0;
  for (const value of values) squares += (value - mean) * (value - mean);
  return squares / n;
}

/** The relative drop from `before` to `after` (0.8 = 80 % lower); 0 when `before` is 0. */
export function varianceDrop(before: number, after: number): number {
  return before > 0 ? (before - after) / before : 0;
}

/** Decoded RGB pixels, as the detail tests read them. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * The least detail drop over `box` and each of its halves (top, bottom, left, right): a blur that
 * stops above the mouth, or covers one side of a plate, scores as its sharp half does.
 */
export function leastDropOverHalves(before: RgbPixels, after: RgbPixels, box: Box): number {
  const [x1, y1, x2, y2] = box;
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  const parts: Box[] = [box, [x1, y1, x2, my], [x1, my, x2, y2], [x1, y1, mx, y2], [mx, y1, x2, y2]];
  return Math.min(
    ...parts.map((part) =>
      varianceDrop(
        laplacianVariance(before.data, before.width, before.height, part),
        laplacianVariance(after.data, after.width, after.height, part),
      ),
    ),
  );
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
