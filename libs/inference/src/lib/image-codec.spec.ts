import sharp from 'sharp';
import { InvalidImageError, decodeImage, encodeImage } from './image-codec';

/** A 40x20 image whose left half is red, stored sideways with EXIF orientation 6 (rotate 90° clockwise to view). */
async function sidewaysJpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) raw[(y * 40 + x) * 3] = 255;
  return sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6, exif: { IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } } })
    .toBuffer();
}

describe('decodeImage', () => {
  it('applies the EXIF orientation', async () => {
    const image = await decodeImage(await sidewaysJpeg(), 1e6);
    expect({
      width: image.width,
      height: image.height,
      orientation: image.orientation,
      channels: image.channels,
    }).toEqual({
      width: 20,
      height: 40,
      orientation: 6,
      channels: 3,
    });
    // The red half was on the left; rotated clockwise it is on top.
    expect(image.data[0]).toBeGreaterThan(200);
    expect(image.data[39 * 20 * 3]).toBeLessThan(50);
  });

  it('refuses truncated, non-image and over-limit input with InvalidImageError', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    await expect(decodeImage(jpeg.subarray(0, jpeg.length >> 1), 1e6)).rejects.toBeInstanceOf(InvalidImageError);
    await expect(decodeImage(Buffer.from('not an image'), 1e6)).rejects.toBeInstanceOf(InvalidImageError);
    await expect(decodeImage(jpeg, 300 * 200 - 1)).rejects.toThrow(/pixel limit/);
  });
});

describe('encodeImage', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('writes %s with no EXIF or GPS carried over', async (format) => {
    const image = await decodeImage(await sidewaysJpeg(), 1e6);
    const out = await encodeImage(image, format, { jpegQuality: 80 });
    const meta = await sharp(out).metadata();
    expect({
      format: meta.format,
      width: meta.width,
      height: meta.height,
      exif: meta.exif,
      orientation: meta.orientation,
    }).toEqual({
      format,
      width: 20,
      height: 40,
      exif: undefined,
      orientation: undefined,
    });
  });

  it('keeps an alpha channel for PNG', async () => {
    const png = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const image = await decodeImage(png, 1e6);
    const out = await encodeImage(image, 'png', { jpegQuality: 80 });
    expect((await sharp(out).metadata()).channels).toBe(4);
  });
});
