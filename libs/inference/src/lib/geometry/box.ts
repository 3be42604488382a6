import type { Region } from 'sharp';
import { Box } from '@imgpipe/contracts';

export function area([x1, y1, x2, y2]: Box): number {
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

export function iou(a: Box, b: Box): number {
  const inter = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const union = area(a) + area(b) - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Clamps a box to an image of `width` x `height`. */
export function clampBox([x1, y1, x2, y2]: Box, width: number, height: number): Box {
  const cx = (v: number, max: number) => Math.min(max, Math.max(0, v));
  return [cx(x1, width), cx(y1, height), cx(x2, width), cx(y2, height)];
}

/** Grows a box about its centre by `factor` (1.2 = 20 % larger each way), clamped to the image. */
export function expandBox([x1, y1, x2, y2]: Box, factor: number, width: number, height: number): Box {
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const hw = ((x2 - x1) * factor) / 2;
  const hh = ((y2 - y1) * factor) / 2;
  return clampBox([cx - hw, cy - hh, cx + hw, cy + hh], width, height);
}

/** Rounds outwards to whole pixels, so a region never shrinks. */
export function roundOut([x1, y1, x2, y2]: Box): Box {
  return [Math.floor(x1), Math.floor(y1), Math.ceil(x2), Math.ceil(y2)];
}

/** The whole pixels a box touches, as a sharp region (rounded outwards, so nothing is cut). */
export function toRegion([x1, y1, x2, y2]: Box): Region {
  const left = Math.floor(x1);
  const top = Math.floor(y1);
  return { left, top, width: Math.ceil(x2) - left, height: Math.ceil(y2) - top };
}
