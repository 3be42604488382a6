import sharp, { type Sharp } from 'sharp';
import { ImageFormat } from '@imgpipe/contracts';
import { stripMetadata } from './strip-metadata';

const GPS = { IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2981/100' } };
const EXIF = { IFD0: { Make: 'SecretCam', Copyright: 'Jane Roe' }, ...GPS };
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>XmpAuthor</dc:creator>' +
  '</rdf:Description></rdf:RDF></x:xmpmeta>';

/** A noisy 64 x 48 photo-like image, so that a re-encode would change its pixels. */
async function source(): Promise<Sharp> {
  const pixels = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + ((i / 3) | 0) * 11) & 255;
  return sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } });
}

async function withEverything(format: ImageFormat): Promise<Buffer> {
  const image = (await source()).withExif(EXIF).withXmp(XMP).withIccProfile('p3');
  if (format === 'jpeg') return image.jpeg({ quality: 80 }).toBuffer();
  if (format === 'png') return image.png().toBuffer();
  return image.webp({ quality: 80 }).toBuffer();
}

const rawPixels = (image: Buffer) => sharp(image).raw().toBuffer();

describe('stripMetadata', () => {
  for (const format of ['jpeg', 'png', 'webp'] as const) {
    describe(format, () => {
      let input: Buffer;
      let output: Buffer;
      beforeAll(async () => {
        input = await withEverything(format);
        output = stripMetadata(input, format) as Buffer;
      });

      it('starts from an image that carries EXIF with GPS, XMP and an ICC profile', async () => {
        const meta = await sharp(input).metadata();
        expect(meta.exif).toBeDefined();
        expect(meta.xmp).toBeDefined();
        expect(meta.icc).toBeDefined();
        expect(input.includes('SecretCam')).toBe(true);
      });

      it('drops EXIF, GPS and XMP, keeps the ICC profile, and leaves every pixel as it was', async () => {
        const meta = await sharp(output).metadata();
        expect(meta.format).toBe(format);
        expect(meta.exif).toBeUndefined();
        expect(meta.xmp).toBeUndefined();
        expect(meta.iptc).toBeUndefined();
        expect(meta.icc).toEqual((await sharp(input).metadata()).icc);
        for (const secret of ['SecretCam', 'Jane Roe', 'XmpAuthor', 'Exif', 'GPS']) {
          expect(output.includes(secret)).toBe(false);
        }
        expect((await rawPixels(output)).equals(await rawPixels(input))).toBe(true);
        expect(output.length).toBeLessThan(input.length);
      });
    });
  }

  it('drops JPEG comments, APP segments it does not know, a thumbnail in JFIF and a second picture after the first', async () => {
    const plain = await (await source()).jpeg({ quality: 80 }).toBuffer();
    const segment = (marker: number, body: string | Buffer) => {
      const data = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
      const head = Buffer.from([0xff, marker, 0, 0]);
      head.writeUInt16BE(data.length + 2, 2);
      return Buffer.concat([head, data]);
    };
    const jfixWithThumbnail = Buffer.concat([
      Buffer.from('JFIF\0\x01\x02\0\0\x01\0\x01\x02\x02', 'latin1'),
      Buffer.alloc(12, 7),
    ]);
    const doctored = Buffer.concat([
      plain.subarray(0, 2),
      segment(0xe0, jfixWithThumbnail),
      segment(0xfe, 'a comment naming someone'),
      segment(0xed, 'Photoshop 3.0\0 IPTC by someone'),
      segment(0xe2, 'MPF\0 a second picture follows'),
      plain.subarray(2),
      plain, // the "second picture" of a multi-picture file
    ]);
    const output = stripMetadata(doctored, 'jpeg') as Buffer;
    for (const secret of ['comment', 'IPTC', 'MPF', 'someone']) expect(output.includes(secret)).toBe(false);
    expect(output.includes(Buffer.from([7, 7, 7, 7, 7, 7]))).toBe(false);
    expect(output.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(output.indexOf(Buffer.from([0xff, 0xd8]), 2)).toBe(-1);
    expect((await rawPixels(output)).equals(await rawPixels(plain))).toBe(true);
  });

  it('keeps a progressive JPEG whole', async () => {
    const input = await (await source()).withExif(EXIF).jpeg({ quality: 80, progressive: true }).toBuffer();
    const output = stripMetadata(input, 'jpeg') as Buffer;
    expect(output.includes('SecretCam')).toBe(false);
    expect((await rawPixels(output)).equals(await rawPixels(input))).toBe(true);
  });

  it('refuses an animated PNG or WebP, whose other frames were never searched', async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 16, height: 16, channels: 3, background } })
        .png()
        .toBuffer();
    const webp = await sharp([await frame('#f00'), await frame('#00f')], { join: { animated: true } })
      .webp()
      .toBuffer();
    expect((await sharp(webp).metadata()).pages).toBe(2);
    expect(stripMetadata(webp, 'webp')).toBeNull();
    const png = await (await source()).png().toBuffer();
    const acTL = Buffer.from('000000086163544c000000020000000000000000', 'hex');
    const apng = Buffer.concat([png.subarray(0, 33), acTL, png.subarray(33)]);
    expect(stripMetadata(apng, 'png')).toBeNull();
  });

  it('refuses a truncated or mislabelled file rather than guess', async () => {
    const jpeg = await (await source()).jpeg().toBuffer();
    expect(stripMetadata(jpeg.subarray(0, jpeg.length / 2), 'jpeg')).toBeNull();
    expect(stripMetadata(jpeg, 'png')).toBeNull();
    expect(stripMetadata(jpeg, 'webp')).toBeNull();
    expect(stripMetadata(Buffer.alloc(0), 'jpeg')).toBeNull();
  });
});
