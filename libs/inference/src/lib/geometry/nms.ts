import { Box } from '@imgpipe/contracts';
import { iou } from './box';

export interface Scored {
  box: Box;
  score: number;
}

/**
 * Greedy non-maximum suppression: keeps the best-scoring box and drops those overlapping it by
 * more than `iouThreshold`. With `classOf`, boxes of different classes never suppress each other.
 */
export function nms<T extends Scored>(items: readonly T[], iouThreshold: number, classOf?: (item: T) => number): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    const overlaps = kept.some(
      (k) => (!classOf || classOf(k) === classOf(candidate)) && iou(k.box, candidate.box) > iouThreshold,
    );
    if (!overlaps) kept.push(candidate);
  }
  return kept;
}

/**
 * Weighted NMS (BlazeFace's blending): each kept box is the score-weighted mean of the boxes
 * overlapping the best one by more than `iouThreshold`; its score is the best score.
 */
export function weightedNms<T extends Scored>(items: readonly T[], iouThreshold: number): T[] {
  let remaining = [...items].sort((a, b) => b.score - a.score);
  const out: T[] = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const cluster = remaining.filter((r) => iou(best.box, r.box) > iouThreshold || r === best);
    remaining = remaining.filter((r) => !cluster.includes(r));
    const total = cluster.reduce((s, c) => s + c.score, 0);
    const box = [0, 1, 2, 3].map((i) => cluster.reduce((s, c) => s + c.box[i] * c.score, 0) / total) as Box;
    out.push({ ...best, box });
  }
  return out;
}
