import type { Box, JobMetadata } from '@imgpipe/contracts';

/** What the page draws: the two kinds of blurred region and the object detections. */
export const DRAW_KINDS = ['face', 'plate', 'object'] as const;
export type DrawKind = (typeof DRAW_KINDS)[number];

export const KIND_NAMES: Record<DrawKind, string> = { face: 'Faces', plate: 'Plates', object: 'Objects' };

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  kind: DrawKind;
  /** `face`, `plate`, or the object's class name. */
  label: string;
  score: number;
  /** Detector or rule that produced a blurred region (absent for objects). */
  source?: string;
  /** `[x1, y1, x2, y2]` in pixels of the upright original, as in the metadata. */
  box: Box;
}

/** Blurred regions first (they matter most for privacy), then objects, each in metadata order. */
export function detectionsOf(metadata: JobMetadata): Detection[] {
  const regions: Detection[] = metadata.blur_metadata.regions.map((region) => ({
    kind: region.kind,
    label: region.kind,
    score: region.score,
    source: region.source,
    box: region.box,
  }));
  const objects: Detection[] = metadata.detection_metadata.objects.map((object) => ({
    kind: 'object',
    label: object.label,
    score: object.score,
    box: object.box,
  }));
  return [...regions, ...objects];
}

export function countByKind(detections: readonly Detection[]): Record<DrawKind, number> {
  const counts: Record<DrawKind, number> = { face: 0, plate: 0, object: 0 };
  for (const detection of detections) counts[detection.kind]++;
  return counts;
}

/**
 * The rectangle to draw for `box` over an image of size `to`, when the box is in pixels of an
 * image of size `from` (the metadata's width and height). The box is first clipped to the image:
 * expanded regions and detector boxes may reach past an edge, and a rectangle drawn outside the
 * picture would mislead. Corners in either order are accepted.
 */
export function scaleBox(box: Box, from: Size, to: Size): Rect {
  if (!(from.width > 0 && from.height > 0)) throw new RangeError('the source size must be positive');
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const x1 = clamp(Math.min(box[0], box[2]), 0, from.width);
  const x2 = clamp(Math.max(box[0], box[2]), 0, from.width);
  const y1 = clamp(Math.min(box[1], box[3]), 0, from.height);
  const y2 = clamp(Math.max(box[1], box[3]), 0, from.height);
  return { x: x1 * sx, y: y1 * sy, width: (x2 - x1) * sx, height: (y2 - y1) * sy };
}

/** Label text height in image pixels: readable on the page whatever the photo's resolution. */
export function labelSize(image: Size): number {
  return Math.max(10, Math.round(Math.max(image.width, image.height) / 60));
}

/** What a tooltip and the detections table say about one detection. */
export function describeDetection(detection: Detection): string {
  const score = `${Math.round(detection.score * 100)} %`;
  const origin = detection.source ? `, ${detection.source}` : '';
  return `${detection.label} ${score}${origin}`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
