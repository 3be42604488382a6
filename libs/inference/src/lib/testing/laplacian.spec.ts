import sharp from 'sharp';
import { BLUR_MIN_DROP, laplacianVariance, varianceDrop } from './laplacian';

/** An RGB image whose every pixel is grey `value(x, y)`. */
function greyImage(width: number, height: number, value: (x: number, y: number) => number, channels: 3 | 4 = 3) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      data.fill(value(x, y), i, i + 3);
      if (channels === 4) data[i + 3] = 255;
    }
  }
  return data;
}

const checker = (x: number, y: number) => ((x + y) % 2 === 0 ? 0 : 255);

describe('laplacianVariance', () => {
  it('is 0 on a flat image', () => {
    const image = greyImage(16, 12, () => 137);
    expect(laplacianVariance(image, 16, 12, [0, 0, 16, 12])).toBe(0);
  });

  it('is exactly 1020² on a one-pixel 0/255 checkerboard', () => {
    // Every interior pixel differs from its four neighbours by 255: the Laplacian is ±1020,
    // half of each with an even count, so the mean is 0 and the variance 1020².
    const image = greyImage(10, 10, checker);
    expect(laplacianVariance(image, 10, 10, [0, 0, 10, 10])).toBe(1020 * 1020);
  });

  it('gives the hand-computed value for a single bright pixel', () => {
    // 3x3 interior of a 5x5 black image with one 255 pixel at its centre: one -1020, four +255,
    // four 0; mean 0, variance (1020² + 4 * 255²) / 9.
    const image = greyImage(5, 5, (x, y) => (x === 2 && y === 2 ? 255 : 0));
    expect(laplacianVariance(image, 5, 5, [0, 0, 5, 5])).toBe((1020 * 1020 + 4 * 255 * 255) / 9);
  });

  it('reads only the box: sharp surroundings do not leak into a flat box', () => {
    const image = greyImage(20, 20, (x, y) => (x >= 5 && x < 15 && y >= 5 && y < 15 ? 90 : checker(x, y)));
    expect(laplacianVariance(image, 20, 20, [5, 5, 15, 15])).toBe(0);
    expect(laplacianVariance(image, 20, 20, [0, 0, 20, 20])).toBeGreaterThan(0);
  });

  it('weighs the channels 0.299 / 0.587 / 0.114 and ignores alpha', () => {
    const rgb = Buffer.alloc(8 * 8 * 3);
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++) {
      if (checker(i % 8, Math.floor(i / 8)) === 255) rgb[i * 3] = rgba[i * 4] = 255; // red on black
      rgba[i * 4 + 3] = i % 7; // alpha must not matter
    }
    const red = 0.299 * 255;
    expect(laplacianVariance(rgb, 8, 8, [0, 0, 8, 8])).toBeCloseTo((4 * red) ** 2, 6);
    expect(laplacianVariance(rgba, 8, 8, [0, 0, 8, 8], 4)).toBeCloseTo((4 * red) ** 2, 6);
  });

  it('rounds and clips the box, and gives 0 when no 3x3 neighbourhood fits', () => {
    const image = greyImage(10, 10, checker);
    expect(laplacianVariance(image, 10, 10, [-5.2, -3, 99, 10.4])).toBe(1020 * 1020);
    expect(laplacianVariance(image, 10, 10, [2, 2, 4, 9])).toBe(0);
    expect(laplacianVariance(image, 10, 10, [8, 8, 2, 2])).toBe(0);
  });

  it('rejects a buffer too small for the stated size', () => {
    expect(() => laplacianVariance(Buffer.alloc(10), 10, 10, [0, 0, 10, 10])).toThrow(RangeError);
  });

  it('drops by more than the blur criterion when a textured box is Gaussian-blurred', async () => {
    const width = 64;
    const height = 64;
    const image = greyImage(width, height, (x, y) => ((Math.floor(x / 2) + Math.floor(y / 2)) % 2 === 0 ? 30 : 220));
    const blurred = await sharp(image, { raw: { width, height, channels: 3 } })
      .blur(3)
      .raw()
      .toBuffer();
    const box: [number, number, number, number] = [8, 8, 56, 56];
    const before = laplacianVariance(image, width, height, box);
    const after = laplacianVariance(blurred, width, height, box);
    expect(varianceDrop(before, after)).toBeGreaterThanOrEqual(BLUR_MIN_DROP);
    expect(varianceDrop(before, before)).toBe(0);
    expect(varianceDrop(0, 5)).toBe(0);
  });
});
