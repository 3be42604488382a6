import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import { placePlates, plateHeight, plateSvg, renderPlate } from './plates';

interface Raw {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

async function raw(image: Buffer): Promise<Raw> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function pixel(img: Raw, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return [...img.data.subarray(i, i + img.channels)];
}

const luma = ([r, g, b]: number[]) => 0.299 * r + 0.587 * g + 0.114 * b;

/** Pixels inside [x1, y1, x2, y2) that are dark (text), opaque where there is alpha. */
function darkPixels(img: Raw, [x1, y1, x2, y2]: Box, threshold = 70): number {
  let count = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const p = pixel(img, x, y);
      if (luma(p) < threshold && (img.channels < 4 || p[3] > 200)) count++;
    }
  }
  return count;
}

/** A noisy RGB photo stand-in: every pixel differs from its neighbours. */
async function noisePhoto(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    data[i] = 60 + ((seed >> 16) % 140);
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('renderPlate', () => {
  it('draws an EU plate at 520:110 with alpha, transparent corners and dark text', async () => {
    const png = await renderPlate({ text: 'AB CD 123', style: 'eu' }, 260);
    const img = await raw(png);
    expect([img.width, img.height, img.channels]).toEqual([260, 55, 4]);
    expect(pixel(img, 0, 0)[3]).toBeLessThan(64);
    expect(pixel(img, 130, 2)[3]).toBe(255);
    // Text sits right of the band and fills a good part of the plate's middle.
    const textArea: Box = [30, 8, 250, 47];
    const dark = darkPixels(img, textArea);
    expect(dark).toBeGreaterThan(0.12 * 220 * 39);
    expect(dark).toBeLessThan(0.6 * 220 * 39);
  });

  it('puts the blue band on EU plates only, and draws UK rear plates yellow', async () => {
    const eu = await raw(await renderPlate({ text: 'K 1', style: 'eu' }, 260));
    const uk = await raw(await renderPlate({ text: 'K 1', style: 'uk-rear' }, 260));
    const [r, g, b] = pixel(eu, 6, 46);
    expect(b).toBeGreaterThan(120);
    expect(r + g).toBeLessThan(b);
    const [ur, ug, ub] = pixel(uk, 6, 46);
    expect(ur).toBeGreaterThan(200);
    expect(ug).toBeGreaterThan(160);
    expect(ub).toBeLessThan(80);
    const noBand = await raw(await renderPlate({ text: 'K 1', style: 'eu', euBand: false }, 260));
    expect(pixel(noBand, 6, 46)[2]).toBeGreaterThan(200); // white, not blue
  });

  it('draws US plates at 2:1', async () => {
    const img = await raw(await renderPlate({ text: '7TXB 215', style: 'us' }, 200));
    expect([img.width, img.height]).toEqual([200, plateHeight('us', 200)]);
    expect(img.height).toBe(100);
    expect(darkPixels(img, [10, 15, 190, 85])).toBeGreaterThan(0.1 * 180 * 70);
  });

  it('draws the characters asked for, without depending on installed fonts', async () => {
    const a = await raw(await renderPlate({ text: 'AAA 111', style: 'eu' }, 200));
    const b = await raw(await renderPlate({ text: 'WWW 888', style: 'eu' }, 200));
    expect(Buffer.compare(a.data, b.data)).not.toBe(0);
    expect(plateSvg({ text: 'AB 12', style: 'eu' }, 200, 42)).not.toContain('<text');
  });

  it('rejects characters the plate font lacks, and widths too small to draw', async () => {
    await expect(renderPlate({ text: 'AB*1', style: 'eu' }, 200)).rejects.toThrow(/cannot draw/);
    await expect(renderPlate({ text: 'AB 1', style: 'eu' }, 5)).rejects.toThrow(RangeError);
    await expect(renderPlate({ text: 'AB 1', style: 'eu' }, 100.5)).rejects.toThrow(RangeError);
  });
});

describe('placePlates', () => {
  it('changes the pixels inside each box and no pixel outside', async () => {
    const photo = await noisePhoto(320, 200);
    const boxes: Box[] = [
      [40, 120, 120, 137],
      [200.4, 30.6, 260.2, 60.4],
    ];
    const { image, plates } = await placePlates(photo, [
      { text: 'M KR 4821', box: boxes[0] },
      { text: '7TXB 215', box: boxes[1], style: 'us' },
    ]);
    expect(plates).toEqual([
      { text: 'M KR 4821', box: [40, 120, 120, 137] },
      { text: '7TXB 215', box: [200, 31, 260, 60] },
    ]);

    const before = await raw(photo);
    const after = await raw(image);
    expect([after.width, after.height, after.channels]).toEqual([320, 200, 3]);
    const inside = (x: number, y: number) =>
      plates.some(({ box: [x1, y1, x2, y2] }) => x >= x1 && x < x2 && y >= y1 && y < y2);
    let changedOutside = 0;
    for (let y = 0; y < 200; y++) {
      for (let x = 0; x < 320; x++) {
        if (!inside(x, y) && pixel(before, x, y).join() !== pixel(after, x, y).join()) changedOutside++;
      }
    }
    expect(changedOutside).toBe(0);

    for (const { box } of plates) {
      const [x1, y1, x2, y2] = box;
      let changed = 0;
      for (let y = y1; y < y2; y++) {
        for (let x = x1; x < x2; x++) if (pixel(before, x, y).join() !== pixel(after, x, y).join()) changed++;
      }
      // Only the rounded corners may let the photo through.
      expect(changed).toBeGreaterThan(0.95 * (x2 - x1) * (y2 - y1));
      expect(darkPixels(after, box)).toBeGreaterThan(0.08 * (x2 - x1) * (y2 - y1));
    }
    // A plate's middle is plate-coloured (light), whatever the noise under it was.
    expect(luma(pixel(after, 80, 121))).toBeGreaterThan(180);
  });

  it('works on the upright photo when the file carries an EXIF orientation', async () => {
    // 40x20 stored, orientation 6 (rotate 90° clockwise to view): upright it is 20x40.
    const stored = await sharp(await noisePhoto(40, 20))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { image } = await placePlates(stored, [{ text: 'AB 1', box: [2, 25, 18, 30] }]);
    const meta = await sharp(image).metadata();
    expect([meta.width, meta.height]).toEqual([20, 40]);
  });

  it('can return a JPEG', async () => {
    const { image } = await placePlates(await noisePhoto(100, 60), [{ text: 'AB 1', box: [10, 10, 60, 21] }], {
      format: 'jpeg',
    });
    expect((await sharp(image).metadata()).format).toBe('jpeg');
  });

  it('refuses a box outside the photo or too small for a plate', async () => {
    const photo = await noisePhoto(100, 60);
    await expect(placePlates(photo, [{ text: 'AB 1', box: [90, 10, 130, 20] }])).rejects.toThrow(RangeError);
    await expect(placePlates(photo, [{ text: 'AB 1', box: [10, 10, 14, 20] }])).rejects.toThrow(RangeError);
  });
});
