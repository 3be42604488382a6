import sharp from 'sharp';
import { Box, BlurMethod } from '@imgpipe/contracts';
import { DecodedImage } from '../image-codec';
import { clampBox, roundOut } from '../geometry/box';

export interface BlurOptions {
  method: BlurMethod;
  strength: number;
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

/** Hides each region in place, at full resolution. Regions are pixel boxes of the upright image. */
export async function blurRegions(image: DecodedImage, boxes: readonly Box[], options: BlurOptions): Promise<void> {
  for (const raw of boxes) {
    const box = clampBox(roundOut(raw), image.width, image.height);
    const [x1, y1, x2, y2] = box;
    const width = x2 - x1;
    const height = y2 - y1;
    if (width < 1 || height < 1) continue;
    const pixels =
      options.method === 'solid'
        ? solid(width, height, image.channels)
        : await blurredPatch(image, box, options.method, blurScale(box, options.strength));
    writePatch(image, x1, y1, width, height, pixels);
  }
}

async function blurredPatch(
  image: DecodedImage,
  [x1, y1, x2, y2]: Box,
  method: BlurMethod,
  scale: number,
): Promise<Buffer> {
  const width = x2 - x1;
  const height = y2 - y1;
  const source = () =>
    sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).extract({
      left: x1,
      top: y1,
      width,
      height,
    });
  if (method === 'pixelate') {
    const block = Math.max(4, Math.round(scale * 0.8));
    const small = await source()
      .resize(Math.max(1, Math.ceil(width / block)), Math.max(1, Math.ceil(height / block)), {
        kernel: 'linear',
        fit: 'fill',
      })
      .raw()
      .toBuffer();
    return sharp(small, {
      raw: {
        width: Math.max(1, Math.ceil(width / block)),
        height: Math.max(1, Math.ceil(height / block)),
        channels: image.channels,
      },
    })
      .resize(width, height, { kernel: 'nearest', fit: 'fill' })
      .raw()
      .toBuffer();
  }
  // A Gaussian of radius `scale` computed on a shrunk copy: the same look as a full-size blur
  // at a small fraction of the cost for large regions.
  const shrink = Math.max(1, scale / 4);
  const smallW = Math.max(1, Math.round(width / shrink));
  const smallH = Math.max(1, Math.round(height / shrink));
  const small = await source()
    .resize(smallW, smallH, { kernel: 'linear', fit: 'fill' })
    .blur(Math.max(0.3, scale / shrink))
    .raw()
    .toBuffer();
  return sharp(small, { raw: { width: smallW, height: smallH, channels: image.channels } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .blur(Math.max(0.3, Math.min(scale, shrink)))
    .raw()
    .toBuffer();
}

function solid(width: number, height: number, channels: number): Buffer {
  const out = Buffer.alloc(width * height * channels, 0);
  if (channels === 4 || channels === 2) {
    // Keep the patch opaque: a transparent hole would show whatever the page puts behind it.
    for (let i = channels - 1; i < out.length; i += channels) out[i] = 255;
  }
  return out;
}

function writePatch(image: DecodedImage, x: number, y: number, width: number, height: number, pixels: Buffer): void {
  const rowBytes = width * image.channels;
  for (let row = 0; row < height; row++) {
    pixels.copy(image.data, ((y + row) * image.width + x) * image.channels, row * rowBytes, (row + 1) * rowBytes);
  }
}
