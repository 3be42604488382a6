import sharp from 'sharp';
import { ImageFormat } from '@imgpipe/contracts';
import { RgbImage } from './types';

/** The image cannot be decoded: retrying will not help. */
export class InvalidImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidImageError';
  }
}

/** Upright pixels of an image, decoded once and shared by every stage. */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
  /** EXIF orientation of the source (1 when absent), already applied to `data`. */
  orientation: number;
}

export interface EncodeOptions {
  jpegQuality: number;
}

/**
 * Decodes with EXIF auto-orientation. `failOn: 'error'` turns truncated and corrupt files into
 * errors instead of grey half-images; the pixel limit stops decompression bombs.
 */
export async function decodeImage(input: Buffer, maxPixels: number): Promise<DecodedImage> {
  try {
    const image = sharp(input, { failOn: 'error', limitInputPixels: maxPixels });
    const { orientation = 1 } = await image.metadata();
    // 8-bit sRGB with alpha only when the source has it: what the models and the blur expect,
    // whatever the source's bit depth or colour space (greyscale, CMYK, 16-bit PNG).
    const { data, info } = await image
      .rotate()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels as 3 | 4, orientation };
  } catch (err) {
    throw new InvalidImageError(`cannot decode image: ${(err as Error).message}`);
  }
}

/**
 * Encodes in the input's format. Nothing of the source's metadata is carried over: no EXIF,
 * no GPS, no camera serials reach the processed image.
 */
export async function encodeImage(image: DecodedImage, format: ImageFormat, options: EncodeOptions): Promise<Buffer> {
  const pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: options.jpegQuality, mozjpeg: false }).toBuffer();
    case 'png':
      return pipeline.png({ compressionLevel: 6 }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality: options.jpegQuality }).toBuffer();
  }
}

/** The RGB pixels of an image for the detectors (alpha dropped, no copy when there is none). */
export function rgbView(image: DecodedImage): RgbImage {
  if (image.channels === 3) return { data: image.data, width: image.width, height: image.height };
  const rgb = Buffer.allocUnsafe(image.width * image.height * 3);
  for (let i = 0, j = 0; i < image.data.length; i += 4, j += 3) {
    rgb[j] = image.data[i];
    rgb[j + 1] = image.data[i + 1];
    rgb[j + 2] = image.data[i + 2];
  }
  return { data: rgb, width: image.width, height: image.height };
}
