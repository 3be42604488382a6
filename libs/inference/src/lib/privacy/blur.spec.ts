import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import { DecodedImage, decodeImage } from '../image-codec';
import { blurRegions, blurScale } from './blur';

/** 400x200 white image with sharp black text in the box [100,60,300,140]. */
async function textImage(channels: 3 | 4 = 3): Promise<DecodedImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="white"/>
    <text x="110" y="120" font-family="DejaVu Sans Mono, monospace" font-weight="bold" font-size="56" fill="black">AB123</text></svg>`;
  const rendered = sharp(Buffer.from(svg)).flatten({ background: 'white' });
  return decodeImage(await (channels === 4 ? rendered.ensureAlpha() : rendered).png().toBuffer(), 1e7);
}

function stddevIn(image: DecodedImage, [x1, y1, x2, y2]: Box): number {
  const values: number[] = [];
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++) values.push(image.data[(y * image.width + x) * image.channels]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

const TEXT_BOX: Box = [100, 60, 300, 140];

describe('blurScale', () => {
  it('grows with the shorter side and the strength', () => {
    expect(blurScale([0, 0, 200, 80], 1)).toBe(20);
    expect(blurScale([0, 0, 200, 80], 2)).toBe(40);
    expect(blurScale([0, 0, 4, 4], 1)).toBe(2);
  });
});

describe('blurRegions', () => {
  it.each(['gaussian', 'pixelate', 'solid'] as const)(
    '%s wipes out text inside the box and touches nothing outside',
    async (method) => {
      const image = await textImage();
      const before = Buffer.from(image.data);
      const detailBefore = stddevIn(image, TEXT_BOX);
      await blurRegions(image, [TEXT_BOX], { method, strength: 1 });
      expect(stddevIn(image, TEXT_BOX)).toBeLessThan(detailBefore * (method === 'solid' ? 0.01 : 0.5));
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          const inside = x >= 100 && x < 300 && y >= 60 && y < 140;
          if (inside) continue;
          const i = (y * image.width + x) * 3;
          if (image.data[i] !== before[i]) throw new Error(`pixel ${x},${y} outside the box changed`);
        }
      }
    },
  );

  it('rounds fractional boxes outwards and clamps them to the image', async () => {
    const image = await textImage();
    await blurRegions(image, [[-50.5, 59.4, 120.2, 80.1]], { method: 'solid', strength: 1 });
    expect(image.data[(59 * 400 + 0) * 3]).toBe(0);
    expect(image.data[(80 * 400 + 120) * 3]).toBe(0);
    expect(image.data[(70 * 400 + 121) * 3]).toBe(255);
    expect(image.data[(81 * 400 + 60) * 3]).toBe(255);
  });

  it('keeps a solid patch opaque on images with alpha', async () => {
    const image = await textImage(4);
    await blurRegions(image, [TEXT_BOX], { method: 'solid', strength: 1 });
    const i = (100 * 400 + 200) * 4;
    expect([...image.data.subarray(i, i + 4)]).toEqual([0, 0, 0, 255]);
  });
});
