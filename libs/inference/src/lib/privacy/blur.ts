import sharp from 'sharp';
import { Box, BlurMethod } from '@imgpipe/contracts';
import { DecodedImage } from '../image-codec';
import { clampBox, roundOut } from '../geometry/box';

export interface BlurOptions {
  method: BlurMethod;
  strength: number;
}

/** Faces are roughly elliptical; plates are rounded rectangles. */
export type BlurShape = 'ellipse' | 'rounded-rect';

/** A region to hide: the shape inscribed in `box`, a pixel box of the upright image. */
export interface ShapedRegion {
  box: Box;
  shape: BlurShape;
}

/**
 * The blur radius (or pixel block) grows with the region: a fixed radius that hides a small
 * face leaves a large plate readable. A quarter of the shorter side wipes out strokes of text
 * and facial features at any size.
 */
export function blurScale(box: Box, strength: number): number {
  const shorter = Math.min(box[2] - box[0], box[3] - box[1]);
  return Math.max(2, 0.25 * shorter * strength);
}

/** The width of the soft edge around a shape, which lies outside the shape. */
export function featherWidth(box: Box): number {
  return Math.max(2, 0.08 * Math.min(box[2] - box[0], box[3] - box[1]));
}

/**
 * Hides each region in place, at full resolution. Every pixel the shape touches gets the full
 * blur; the blur fades to the original over a feather band outside the shape.
 *
 * Regions whose feathered extents overlap or touch are blurred together, once, at the largest
 * radius among them, and blended with the union of their shapes: blurring them one after the
 * other would leave the edge of the first patch as a hard line inside the second blur.
 */
export async function blurRegions(
  image: DecodedImage,
  regions: readonly ShapedRegion[],
  options: BlurOptions,
): Promise<void> {
  const placed = regions.flatMap((r) => place(r, image.width, image.height) ?? []);
  // Every patch is computed from the original pixels before any is written back, so a group
  // next to another never blurs the other's result a second time.
  const patches = await Promise.all(groupOverlapping(placed).map((group) => hideGroup(image, group, options)));
  for (const patch of patches) blend(image, patch);
}

/** A region in pixels: where its shape lies, and the rectangle its feather can reach. */
interface Placed {
  shape: BlurShape;
  /** The rounded, clamped box, which sets the blur radius and the feather. */
  box: Box;
  /** The box the shape is inscribed in, open across image borders. */
  outline: Box;
  feather: number;
  /** Whole pixels [x1, y1, x2, y2) inside the image where the mask can be above 0. */
  extent: Box;
}

function place({ box: raw, shape }: ShapedRegion, width: number, height: number): Placed | undefined {
  const box = clampBox(roundOut(raw), width, height);
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  const h = y2 - y1;
  if (w < 1 || h < 1) return undefined;
  // A box that ends at the image border was clamped there (or the subject continues past it):
  // closing the shape on that side would leave the part of the face or plate that touches the
  // border visible in the box's corners, so the shape continues across the border.
  const outline: Box = [
    x1 === 0 ? -w : x1,
    y1 === 0 ? -h : y1,
    x2 === width ? width + w : x2,
    y2 === height ? height + h : y2,
  ];
  const feather = featherWidth(box);
  const reach = TOUCH + feather;
  const extent = clampBox(
    roundOut([outline[0] - reach, outline[1] - reach, outline[2] + reach, outline[3] + reach]),
    width,
    height,
  );
  return { shape, box, outline, feather, extent };
}

/** A pixel whose centre lies less than this outside the shape is partly covered by it: fully hidden. */
const TOUCH = 0.5;

function groupOverlapping(regions: Placed[]): Placed[][] {
  const parent = regions.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      if (touch(regions[i].extent, regions[j].extent)) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, Placed[]>();
  regions.forEach((r, i) => groups.set(root(i), [...(groups.get(root(i)) ?? []), r]));
  return [...groups.values()];
}

function touch(a: Box, b: Box): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

interface Patch {
  /** Where the patch lies in the image. */
  box: Box;
  /** Blend weight per pixel of `box`, 0 (original) to 1 (hidden). */
  mask: Float32Array;
  /** What replaces the pixels: a small image stretched over an image rectangle; none for a solid fill. */
  fill?: Stretched;
}

/**
 * A small image standing for the image rectangle `over`, read back at full size only where a
 * mask shows it: enlarging it whole in libvips cost more than every other step of the blur
 * (about 18 ms of CPU for a 700 x 800 face), most of it on pixels the mask then threw away.
 */
interface Stretched {
  pixels: Buffer;
  width: number;
  height: number;
  over: Box;
  /** `linear` between the small image's pixel centres, or `nearest` for whole blocks. */
  sampling: 'linear' | 'nearest';
}

async function hideGroup(image: DecodedImage, group: Placed[], options: BlurOptions): Promise<Patch> {
  const box = group.map((r) => r.extent).reduce(union);
  const mask = new Float32Array((box[2] - box[0]) * (box[3] - box[1]));
  for (const region of group) paintMask(mask, box, region, options.method === 'solid');
  if (options.method === 'solid') return { box, mask };

  // The largest radius of the group hides its smaller regions at least as strongly as their own.
  const scale = Math.max(...group.map((r) => blurScale(r.box, options.strength)));
  if (options.method === 'pixelate') {
    return { box, mask, fill: await pixelate(crop(image, box), box, image.channels, scale) };
  }
  // Blurred from the original pixels a radius beyond the patch, so that the crop's own edge,
  // where a Gaussian sees only half a neighbourhood, stays outside what is shown.
  const margin = Math.ceil(scale);
  const source = clampBox(
    [box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin],
    image.width,
    image.height,
  );
  return { box, mask, fill: await gaussian(crop(image, source), source, image.channels, scale) };
}

function union(a: Box, b: Box): Box {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** Raises `mask` (covering `maskBox`) to the region's weight wherever that is higher. */
function paintMask(mask: Float32Array, maskBox: Box, region: Placed, hard: boolean): void {
  const distance = region.shape === 'ellipse' ? ellipseDistance(region.outline) : roundedRectDistance(region);
  const weight = (x: number, y: number): number => {
    const outside = distance(x + 0.5, y + 0.5) - TOUCH;
    if (outside < 0) return 1;
    if (hard || outside >= region.feather) return 0;
    const t = outside / region.feather;
    return 1 - t * t * (3 - 2 * t);
  };
  const maskWidth = maskBox[2] - maskBox[0];
  const [x1, y1, x2, y2] = region.extent;
  for (let y = y1; y < y2; y++) {
    const row = (y - maskBox[1]) * maskWidth - maskBox[0];
    // The shapes are convex: a row holds one run of full weight, and only its two ends need
    // the distance worked out pixel by pixel.
    let left = x1;
    for (; left < x2; left++) {
      const w = weight(left, y);
      if (w === 1) break;
      if (w > mask[row + left]) mask[row + left] = w;
    }
    if (left === x2) continue;
    let right = x2 - 1;
    for (; right > left; right--) {
      const w = weight(right, y);
      if (w === 1) break;
      if (w > mask[row + right]) mask[row + right] = w;
    }
    mask.fill(1, row + left, row + right + 1);
  }
}

/**
 * Distance outside the ellipse inscribed in `outline` (0 or less inside), to first order: exact
 * on the axes and for circles, and close enough over a feather band a few percent of the size.
 */
function ellipseDistance([x1, y1, x2, y2]: Box): (x: number, y: number) => number {
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const a = (x2 - x1) / 2;
  const b = (y2 - y1) / 2;
  return (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    const rho = Math.sqrt((dx / a) ** 2 + (dy / b) ** 2);
    if (rho <= 1) return 0;
    return ((rho - 1) * rho) / Math.sqrt((dx / (a * a)) ** 2 + (dy / (b * b)) ** 2);
  };
}

/** Exact distance outside a rectangle whose corners are rounded by a quarter of its shorter side. */
function roundedRectDistance({ box, outline: [x1, y1, x2, y2] }: Placed): (x: number, y: number) => number {
  const radius = 0.25 * Math.min(box[2] - box[0], box[3] - box[1]);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const innerX = (x2 - x1) / 2 - radius;
  const innerY = (y2 - y1) / 2 - radius;
  return (x, y) => {
    const qx = Math.abs(x - cx) - innerX;
    const qy = Math.abs(y - cy) - innerY;
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
}

function crop(image: DecodedImage, [x1, y1, x2, y2]: Box): Buffer {
  const rowBytes = (x2 - x1) * image.channels;
  const out = Buffer.allocUnsafe(rowBytes * (y2 - y1));
  for (let y = y1; y < y2; y++) {
    const start = (y * image.width + x1) * image.channels;
    image.data.copy(out, (y - y1) * rowBytes, start, start + rowBytes);
  }
  return out;
}

/** Blocks of about `scale` px: the mean colour of each, shown as a square of it. */
async function pixelate(pixels: Buffer, over: Box, channels: number, scale: number): Promise<Stretched> {
  const width = over[2] - over[0];
  const height = over[3] - over[1];
  const block = Math.max(4, Math.round(scale * 0.8));
  const smallW = Math.max(1, Math.ceil(width / block));
  const smallH = Math.max(1, Math.ceil(height / block));
  const small = await sharp(pixels, { raw: { width, height, channels: channels as 3 | 4 } })
    .resize(smallW, smallH, { kernel: 'linear', fit: 'fill' })
    .raw()
    .toBuffer();
  return { pixels: small, width: smallW, height: smallH, over, sampling: 'nearest' };
}

/**
 * `pixels` (the image's `over` rectangle) under a Gaussian of radius `scale`, computed on a shrunk
 * copy: the same look as a full-size blur at a small fraction of the cost for large regions. The
 * copy keeps at least 4 of its pixels per radius: so smooth a result, read back linearly between
 * its pixels, shows no steps and needs no second blur at full size.
 */
async function gaussian(pixels: Buffer, over: Box, channels: number, scale: number): Promise<Stretched> {
  const width = over[2] - over[0];
  const height = over[3] - over[1];
  const shrink = Math.max(1, scale / 4);
  const smallW = Math.max(1, Math.round(width / shrink));
  const smallH = Math.max(1, Math.round(height / shrink));
  const small = await sharp(pixels, { raw: { width, height, channels: channels as 3 | 4 } })
    .resize(smallW, smallH, { kernel: 'linear', fit: 'fill' })
    .blur(Math.max(0.3, scale / shrink))
    .raw()
    .toBuffer();
  return { pixels: small, width: smallW, height: smallH, over, sampling: 'linear' };
}

/**
 * Where each image column (or row) from `start` for `count` pixels falls in a stretched image of
 * `size` pixels spanning `length` image pixels from `origin`: the two pixels either side of it,
 * pixel centres aligned as libvips aligns them when resizing, and the share of the second.
 */
function stretchTaps(start: number, count: number, origin: number, length: number, size: number, nearest: boolean) {
  const lower = new Int32Array(count);
  const upper = new Int32Array(count);
  const share = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = ((start + i - origin + 0.5) * size) / length;
    if (nearest) {
      lower[i] = upper[i] = Math.min(size - 1, Math.floor(at));
      continue;
    }
    const centre = Math.min(size - 1, Math.max(0, at - 0.5));
    lower[i] = Math.floor(centre);
    upper[i] = Math.min(size - 1, lower[i] + 1);
    share[i] = centre - lower[i];
  }
  return { lower, upper, share };
}

/** Blends each patch into the image by its mask; a solid patch is opaque black. */
function blend(image: DecodedImage, { box, mask, fill }: Patch): void {
  const { data, channels } = image;
  const [x1, y1, x2, y2] = box;
  const width = x2 - x1;
  // A solid fill keeps alpha opaque: a transparent hole would show whatever the page puts behind it.
  const solid = Float32Array.from({ length: channels }, (_, c) => (c === 3 ? 255 : 0));
  const xs =
    fill && stretchTaps(x1, width, fill.over[0], fill.over[2] - fill.over[0], fill.width, fill.sampling === 'nearest');
  const ys =
    fill &&
    stretchTaps(y1, y2 - y1, fill.over[1], fill.over[3] - fill.over[1], fill.height, fill.sampling === 'nearest');
  // The small image's row at the current image row, interpolated between its two nearest rows.
  const rowLength = fill ? fill.width * channels : 0;
  const line = new Float32Array(rowLength);
  for (let y = y1; y < y2; y++) {
    const row = y - y1;
    if (fill && ys) {
      const top = ys.lower[row] * rowLength;
      const bottom = ys.upper[row] * rowLength;
      const fy = ys.share[row];
      for (let i = 0; i < rowLength; i++)
        line[i] = fill.pixels[top + i] + (fill.pixels[bottom + i] - fill.pixels[top + i]) * fy;
    }
    for (let column = 0; column < width; column++) {
      const weight = mask[row * width + column];
      if (weight === 0) continue;
      const at = (y * image.width + x1 + column) * channels;
      const left = xs ? xs.lower[column] * channels : 0;
      const right = xs ? xs.upper[column] * channels : 0;
      const fx = xs ? xs.share[column] : 0;
      for (let c = 0; c < channels; c++) {
        const target = xs ? line[left + c] + (line[right + c] - line[left + c]) * fx : solid[c];
        // Both ends lie within 0-255, so adding a half and truncating rounds.
        data[at + c] = data[at + c] + (target - data[at + c]) * weight + 0.5;
      }
    }
  }
}
