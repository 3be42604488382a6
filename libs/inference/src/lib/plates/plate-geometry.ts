import type { Region } from 'sharp';
import { Box } from '@imgpipe/contracts';

/**
 * Plates sit low on a vehicle: on cars, buses and trucks in the bottom third from front or rear,
 * on motorcycles under the seat, about half-way down a box that excludes the rider. The crop
 * starts 40 % down the box so the motorcycle case is included, and reaches 5 % past the sides
 * and bottom because detector boxes are often a little tight and a plate on the bumper is the
 * first thing they cut.
 */
const CROP_TOP = 0.4;
const CROP_MARGIN = 0.05;

/** Text-detection cost grows with area (about 55 ms at 640x640 here); a plate fills enough of a 320 crop. */
export const MAX_INPUT_SIDE = 320;
const STRIDE = 32;

/** The part of a vehicle box searched for a plate, in whole pixels inside the image; null when empty. */
export function plateSearchRegion(vehicle: Box, imageWidth: number, imageHeight: number): Region | null {
  const [x1, y1, x2, y2] = vehicle;
  const w = x2 - x1;
  const h = y2 - y1;
  const left = Math.max(0, Math.floor(x1 - w * CROP_MARGIN));
  const top = Math.max(0, Math.floor(y1 + h * CROP_TOP));
  const right = Math.min(imageWidth, Math.ceil(x2 + w * CROP_MARGIN));
  const bottom = Math.min(imageHeight, Math.ceil(y2 + h * CROP_MARGIN));
  if (right - left < 1 || bottom - top < 1) return null;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Model input size for a crop: the long side at most 320, never enlarged, each side rounded to a
 * multiple of 32 (at least 32), as the detector's stride requires. The small change of aspect
 * ratio this causes is undone when boxes are mapped back, per axis.
 */
export function textInputSize(width: number, height: number, maxSide = MAX_INPUT_SIDE): [number, number] {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const fit = (v: number) => Math.max(STRIDE, Math.min(maxSide, Math.round((v * scale) / STRIDE) * STRIDE));
  return [fit(width), fit(height)];
}

/** Maps a box on a `mapWidth` x `mapHeight` model output back to pixels of the image the crop came from. */
export function cropBoxToImage([x1, y1, x2, y2]: Box, crop: Region, mapWidth: number, mapHeight: number): Box {
  // Multiplying before dividing keeps whole-pixel boxes whole.
  const x = (v: number) => crop.left + (v * crop.width) / mapWidth;
  const y = (v: number) => crop.top + (v * crop.height) / mapHeight;
  return [x(x1), y(y1), x(x2), y(y2)];
}

export interface PlateShape {
  /** Width over height of the (unclipped) text box. */
  minAspect: number;
  maxAspect: number;
  /** Shorter than this, in image pixels, the characters cannot be read and need no blur. */
  minHeight: number;
  /** Wider than this fraction of the vehicle box it is lettering on the body, not a plate. */
  maxWidthOfVehicle: number;
}

/**
 * A one-line EU plate is about 4.7:1 and its unclipped text box 3.5-5.5:1; US and square
 * two-line plates read as one or two lines of 2-4:1. Under 1.5:1 is a single character or a
 * logo, over 8:1 a slogan or a stripe. A plate is a fifth to a third of a car's width (52 cm on
 * 1.8 m), up to about half of a motorcycle's.
 */
export const DEFAULT_PLATE_SHAPE: PlateShape = { minAspect: 1.5, maxAspect: 8, minHeight: 6, maxWidthOfVehicle: 0.6 };

export function isPlausiblePlate(box: Box, vehicle: Box, shape: PlateShape = DEFAULT_PLATE_SHAPE, lines = 1): boolean {
  return hasPlateShape(box, lines, shape) && box[2] - box[0] <= (vehicle[2] - vehicle[0]) * shape.maxWidthOfVehicle;
}

/**
 * Two-line plates (square rear plates, motorcycles) come out of text detection as two stacked
 * lines, each too short to look like a plate alone. Lines (wider than tall) that overlap
 * horizontally by half the narrower one, are of similar height and stand less than a line apart
 * are stacked; a stack of two is one plate, a stack of three or more is a block of text (a
 * notice, a menu) and is returned with `lines` set to its count, which no plate shape accepts.
 * A logo or a single character above a plate is not a line and never joins it.
 */
export function joinStackedLines(boxes: readonly Box[]): { box: Box; lines: number }[] {
  const isLine = (b: Box) => (b[2] - b[0]) / (b[3] - b[1]) >= 1.2;
  const stacked = (a: Box, b: Box) => {
    const [ha, hb] = [a[3] - a[1], b[3] - b[1]];
    const overlap = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
    const narrower = Math.min(a[2] - a[0], b[2] - b[0]);
    const gap = Math.max(a[1], b[1]) - Math.min(a[3], b[3]);
    return overlap >= 0.5 * narrower && gap <= 0.6 * Math.min(ha, hb) && Math.max(ha, hb) <= 2 * Math.min(ha, hb);
  };
  const group = boxes.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i])));
  boxes.forEach((a, i) =>
    boxes.forEach((b, j) => {
      if (j > i && isLine(a) && isLine(b) && stacked(a, b)) group[root(j)] = root(i);
    }),
  );
  const members = new Map<number, Box[]>();
  boxes.forEach((b, i) => members.set(root(i), [...(members.get(root(i)) ?? []), b]));
  return [...members.values()].map((list) => ({
    box: [
      Math.min(...list.map((b) => b[0])),
      Math.min(...list.map((b) => b[1])),
      Math.max(...list.map((b) => b[2])),
      Math.max(...list.map((b) => b[3])),
    ],
    lines: list.length,
  }));
}

/** A two-line plate's text block, as DB boxes it, is about 0.8-2.5:1 (its outline 1.75:1). */
export const TWO_LINE_ASPECT: readonly [number, number] = [0.75, 3];

export function hasPlateShape([x1, y1, x2, y2]: Box, lines: number, shape: PlateShape = DEFAULT_PLATE_SHAPE): boolean {
  const w = x2 - x1;
  const h = y2 - y1;
  if (lines > 2 || h / lines < shape.minHeight) return false;
  const [lo, hi] = lines === 2 ? TWO_LINE_ASPECT : [shape.minAspect, shape.maxAspect];
  return w / h >= lo && w / h <= hi;
}

/**
 * The whole plate around its text: text detection boxes the characters, but the border, the
 * band and the space around the characters belong to the plate too and carry strokes of their own.
 */
export function plateBody([x1, y1, x2, y2]: Box, lines: number, imageWidth: number, imageHeight: number): Box {
  // Two-line plates are square-ish with short lines of text in the middle: more plate each side.
  const padX = (lines === 2 ? 0.4 : 0.12) * (x2 - x1);
  const padY = (lines === 2 ? 0.15 : 0.3) * (y2 - y1);
  return [
    Math.max(0, x1 - padX),
    Math.max(0, y1 - padY),
    Math.min(imageWidth, x2 + padX),
    Math.min(imageHeight, y2 + padY),
  ];
}
