import sharp from 'sharp';
import { ImageFormat, findStructuralDefect } from './images';

/** A small noisy image, so JPEG scan data holds plenty of stuffed 0xFF bytes. */
async function encoded(format: ImageFormat, options: { progressive?: boolean } = {}): Promise<Buffer> {
  const width = 96;
  const height = 64;
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') return image.jpeg({ quality: 95, progressive: options.progressive }).toBuffer();
  return format === 'png' ? image.png().toBuffer() : image.webp().toBuffer();
}

describe('findStructuralDefect', () => {
  it.each([
    ['jpeg', {}],
    ['jpeg', { progressive: true }],
    ['png', {}],
    ['webp', {}],
  ] as [ImageFormat, { progressive?: boolean }][])(
    'passes a complete %s %j, with or without a trailer',
    async (format, options) => {
      const bytes = await encoded(format, options);
      expect(findStructuralDefect(bytes, format)).toBeNull();
      expect(findStructuralDefect(Buffer.concat([bytes, Buffer.from('camera trailer')]), format)).toBeNull();
    },
  );

  it.each(['jpeg', 'png', 'webp'] as ImageFormat[])('finds a %s cut anywhere after its header', async (format) => {
    const bytes = await encoded(format);
    for (const fraction of [0.3, 0.6, 0.9]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
      expect(findStructuralDefect(cut, format)).toBe('the file is truncated');
    }
    expect(findStructuralDefect(bytes.subarray(0, bytes.length - 1), format)).toBe('the file is truncated');
  });

  it('finds random bytes behind a JPEG signature', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.alloc(4096, 0x41)]);
    expect(findStructuralDefect(bytes, 'jpeg')).toMatch(/bad JPEG marker|truncated/);
  });
});
