import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Box, DEFAULT_BLUR_POLICY } from '@imgpipe/contracts';
import { expandBox } from '../geometry/box';
import { DecodedImage, decodeImage } from '../image-codec';
import { BLUR_MIN_DROP, laplacianVariance, varianceDrop } from '../testing/laplacian';
import { BlurShape, blurRegions, blurScale, featherWidth } from './blur';

const root = join(__dirname, '../../../../..');
const photosDir = process.env['IMGPIPE_PHOTOS_DIR'] ?? join(root, '.cache/photos');

/** 400x200 white image with sharp black text in the box [100,60,300,140]. */
async function textImage(channels: 3 | 4 = 3): Promise<DecodedImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="white"/>
    <text x="110" y="120" font-family="DejaVu Sans Mono, monospace" font-weight="bold" font-size="56" fill="black">AB123</text></svg>`;
  const rendered = sharp(Buffer.from(svg)).flatten({ background: 'white' });
  return decodeImage(await (channels === 4 ? rendered.ensureAlpha() : rendered).png().toBuffer(), 1e7);
}

/** An RGB image whose every pixel is grey `value(x, y)`, clipped to 0..255. */
function greyImage(width: number, height: number, value: (x: number, y: number) => number): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data.fill(Math.round(Math.max(0, Math.min(255, value(x, y)))), (y * width + x) * 3, (y * width + x + 1) * 3);
  }
  return { data, width, height, channels: 3, orientation: 1 };
}

/** Uniform grey noise (mean 127.5): a blur changes nearly every pixel, and its mean is known. */
function noiseImage(width = 320, height = 240): DecodedImage {
  let state = 12345;
  return greyImage(width, height, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 24;
  });
}

/** A one-pixel checkerboard on slow waves: blurs of different crops or radii differ visibly. */
function checkerOnWaves(width = 320, height = 240): DecodedImage {
  return greyImage(
    width,
    height,
    (x, y) => 100 + 0.3 * x + 45 * Math.sin((2 * Math.PI * (x + y / 2)) / 120) + ((x + y) % 2 === 0 ? -35 : 35),
  );
}

async function photo(name: string): Promise<DecodedImage> {
  return decodeImage(readFileSync(join(photosDir, name)), 1e8);
}

const copy = (image: DecodedImage): DecodedImage => ({ ...image, data: Buffer.from(image.data) });
const grey = (image: DecodedImage, x: number, y: number) => image.data[(y * image.width + x) * image.channels];

function stddevIn(image: DecodedImage, [x1, y1, x2, y2]: Box, keep = (_x: number, _y: number) => true): number {
  const values: number[] = [];
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) if (keep(x, y)) values.push(grey(image, x, y));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

function detailDrop(before: DecodedImage, after: DecodedImage, box: Box): number {
  const variance = (image: DecodedImage) =>
    laplacianVariance(image.data, image.width, image.height, box, image.channels);
  return varianceDrop(variance(before), variance(after));
}

/** Pixels (by centre) inside the shape inscribed in `box`, written out here from its definition. */
function insideShape(shape: BlurShape, [x1, y1, x2, y2]: Box): (x: number, y: number) => boolean {
  const [cx, cy, a, b] = [(x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2];
  if (shape === 'ellipse') return (x, y) => ((x + 0.5 - cx) / a) ** 2 + ((y + 0.5 - cy) / b) ** 2 <= 1;
  const r = 0.25 * Math.min(x2 - x1, y2 - y1);
  return (x, y) => {
    const qx = Math.max(0, Math.abs(x + 0.5 - cx) - (a - r));
    const qy = Math.max(0, Math.abs(y + 0.5 - cy) - (b - r));
    return Math.abs(x + 0.5 - cx) <= a && Math.abs(y + 0.5 - cy) <= b && Math.hypot(qx, qy) <= r;
  };
}

/** The rectangle inside the ellipse inscribed in `box`. */
function insideEllipse([x1, y1, x2, y2]: Box): Box {
  const [cx, cy, a, b] = [(x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2 / Math.SQRT2, (y2 - y1) / 2 / Math.SQRT2];
  return [Math.ceil(cx - a), Math.ceil(cy - b), Math.floor(cx + a), Math.floor(cy + b)];
}

function changedOutside(before: DecodedImage, after: DecodedImage, keep: (x: number, y: number) => boolean): string[] {
  const changed: string[] = [];
  for (let y = 0; y < before.height; y++) {
    for (let x = 0; x < before.width; x++) {
      const i = (y * before.width + x) * before.channels;
      if (
        keep(x, y) &&
        !before.data.subarray(i, i + before.channels).equals(after.data.subarray(i, i + before.channels))
      ) {
        changed.push(`${x},${y}`);
      }
    }
  }
  return changed;
}

const TEXT_BOX: Box = [100, 60, 300, 140];
const FACE_BOX: Box = [100, 60, 220, 160];

describe('blurScale', () => {
  it('grows with the shorter side and the strength', () => {
    expect(blurScale([0, 0, 200, 80], 1)).toBe(20);
    expect(blurScale([0, 0, 200, 80], 2)).toBe(40);
    expect(blurScale([0, 0, 4, 4], 1)).toBe(2);
  });
});

describe('featherWidth', () => {
  it('is 8 % of the shorter side, at least 2 pixels', () => {
    expect(featherWidth([0, 0, 200, 100])).toBe(8);
    expect(featherWidth([0, 0, 10, 10])).toBe(2);
  });
});

describe('blurRegions', () => {
  it.each(['gaussian', 'pixelate', 'solid'] as const)(
    '%s makes text in a rounded rectangle unreadable',
    async (method) => {
      const image = await textImage();
      const inside = insideShape('rounded-rect', TEXT_BOX);
      const detailBefore = stddevIn(image, TEXT_BOX, inside);
      await blurRegions(image, [{ box: TEXT_BOX, shape: 'rounded-rect' }], { method, strength: 1 });
      expect(stddevIn(image, TEXT_BOX, inside)).toBeLessThan(detailBefore * (method === 'solid' ? 0.01 : 0.5));
    },
  );

  it.each([
    ['gaussian', 'ellipse'],
    ['gaussian', 'rounded-rect'],
    ['pixelate', 'ellipse'],
    ['solid', 'rounded-rect'],
  ] as const)('%s leaves every pixel outside the %s and its feather band exactly as it was', async (method, shape) => {
    const before = noiseImage();
    const after = copy(before);
    await blurRegions(after, [{ box: FACE_BOX, shape }], { method, strength: 1 });
    // The band: the feather (8 px for this 120x100 box) and the half pixel a touched pixel counts for.
    const [x1, y1, x2, y2] = FACE_BOX;
    const outsideBand = (x: number, y: number) => x < x1 - 9 || x >= x2 + 9 || y < y1 - 9 || y >= y2 + 9;
    expect(changedOutside(before, after, outsideBand)).toEqual([]);
    expect(changedOutside(before, after, insideShape(shape, FACE_BOX)).length).toBeGreaterThan(0);
  });

  it('hides the detail inside an ellipse and leaves the box corners outside the ellipse and its feather untouched', async () => {
    const before = noiseImage();
    const after = copy(before);
    await blurRegions(after, [{ box: FACE_BOX, shape: 'ellipse' }], { method: 'gaussian', strength: 1 });
    expect(detailDrop(before, after, insideEllipse(FACE_BOX))).toBeGreaterThanOrEqual(BLUR_MIN_DROP);
    const [x1, y1, x2, y2] = FACE_BOX;
    const corner = (x: number, y: number) =>
      (x < x1 + 6 || x >= x2 - 6) && (y < y1 + 6 || y >= y2 - 6) && x >= x1 && x < x2 && y >= y1 && y < y2;
    expect(changedOutside(before, after, (x, y) => !corner(x, y)).length).toBeGreaterThan(0);
    expect(changedOutside(before, after, corner)).toEqual([]);
  });

  it("leaves a rounded rectangle's corners outside the radius untouched and blurs the rest of the plate", async () => {
    const before = noiseImage();
    const after = copy(before);
    const plate: Box = [60, 100, 300, 180];
    await blurRegions(after, [{ box: plate, shape: 'rounded-rect' }], { method: 'gaussian', strength: 1 });
    // Corner radius 20 (a quarter of the 80 px height), feather 6.4, plus the half pixel.
    const reach = 20 + 6.4 + 0.5;
    const [x1, y1, x2, y2] = plate;
    const beyondCorner = (x: number, y: number) => {
      const dx = Math.max(0, x1 + 20 - (x + 0.5), x + 0.5 - (x2 - 20));
      const dy = Math.max(0, y1 + 20 - (y + 0.5), y + 0.5 - (y2 - 20));
      return x >= x1 && x < x2 && y >= y1 && y < y2 && Math.hypot(dx, dy) > reach;
    };
    for (const [x, y] of [
      [x1, y1],
      [x2 - 1, y1],
      [x1, y2 - 1],
      [x2 - 1, y2 - 1],
    ]) {
      expect(beyondCorner(x, y)).toBe(true);
    }
    expect(changedOutside(before, after, beyondCorner)).toEqual([]);
    expect(detailDrop(before, after, [x1, y1 + 20, x2, y2 - 20])).toBeGreaterThanOrEqual(BLUR_MIN_DROP);
    expect(detailDrop(before, after, [x1 + 20, y1, x2 - 20, y2])).toBeGreaterThanOrEqual(BLUR_MIN_DROP);
  });

  it.each(['ellipse', 'rounded-rect'] as const)(
    'puts the feather outside the %s: every pixel of the box-inscribed shape is fully blurred',
    async (shape) => {
      const before = noiseImage();
      const after = copy(before);
      await blurRegions(after, [{ box: FACE_BOX, shape }], { method: 'gaussian', strength: 1 });
      // A blur of radius 25 turns uniform noise into its mean, give or take a level; a pixel
      // only partly blended keeps part of its noise.
      const inside = insideShape(shape, FACE_BOX);
      const off: string[] = [];
      for (let y = 0; y < before.height; y++) {
        for (let x = 0; x < before.width; x++) {
          if (inside(x, y) && Math.abs(grey(after, x, y) - 127.5) > 3) off.push(`${x},${y}: ${grey(after, x, y)}`);
        }
      }
      expect(off).toEqual([]);
    },
  );

  it('blurs from the pixels around the patch, so a ramp under the shape stays a ramp up to its edge', async () => {
    // A blur of the patch alone sees only half a neighbourhood at the patch's edge and bends the
    // ramp there: a seam where the blur meets the feather.
    const ramp = (x: number, y: number) => 20 + 0.6 * x + 0.1 * y;
    const image = greyImage(320, 240, (x, y) => ramp(x, y) + ((x + y) % 2 === 0 ? -20 : 20));
    await blurRegions(image, [{ box: FACE_BOX, shape: 'ellipse' }], { method: 'gaussian', strength: 1 });
    const inside = insideShape('ellipse', FACE_BOX);
    let worst = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++)
        if (inside(x, y)) worst = Math.max(worst, Math.abs(grey(image, x, y) - ramp(x, y)));
    }
    expect(worst).toBeLessThan(2.5);
  });

  it.each([
    ['a checkerboard on waves', () => Promise.resolve(checkerOnWaves()), [40, 40, 200, 200], [170, 90, 280, 190], 140],
    ['a portrait', () => photo('sample3.jpg'), [1060, 200, 1370, 560], [1300, 300, 1500, 520], 400],
  ] as const)(
    'blurs overlapping regions on %s as one: no edge inside their union, and both hidden',
    async (_, load, first, second, lineY) => {
      const before = await load();
      const after = copy(before);
      await blurRegions(
        after,
        [
          { box: first as Box, shape: 'ellipse' },
          { box: second as Box, shape: 'ellipse' },
        ],
        { method: 'gaussian', strength: 1 },
      );
      const inFirst = (x: number) => insideShape('ellipse', first as Box)(x, lineY);
      const inSecond = (x: number) => insideShape('ellipse', second as Box)(x, lineY);
      const inUnion = (x: number) => inFirst(x) || inSecond(x);
      const steepest = (image: DecodedImage) => {
        let max = 0;
        for (let x = 0; x + 1 < image.width; x++) {
          if (inUnion(x) && inUnion(x + 1))
            max = Math.max(max, Math.abs(grey(image, x + 1, lineY) - grey(image, x, lineY)));
        }
        return max;
      };
      expect(Array.from({ length: before.width }, (_, x) => inFirst(x) && inSecond(x))).toContain(true);
      expect(steepest(after)).toBeLessThanOrEqual(Math.max(2, 0.1 * steepest(before)));
      expect(detailDrop(before, after, insideEllipse(first as Box))).toBeGreaterThanOrEqual(BLUR_MIN_DROP);
      expect(detailDrop(before, after, insideEllipse(second as Box))).toBeGreaterThanOrEqual(BLUR_MIN_DROP);
    },
  );

  it('hides every face of the six portraits inside the ellipse of its expanded box (at least 65 % of the detail gone)', async () => {
    const truth = JSON.parse(readFileSync(join(__dirname, '../faces/testdata/portrait-faces.json'), 'utf8')) as {
      photos: Record<string, { faces: Box[] }>;
    };
    const misses: string[] = [];
    for (const [name, { faces }] of Object.entries(truth.photos)) {
      const before = await photo(name);
      const after = copy(before);
      const regions = faces.map((face) => ({
        box: expandBox(face, DEFAULT_BLUR_POLICY.box_expansion, before.width, before.height),
        shape: 'ellipse' as const,
      }));
      await blurRegions(after, regions, { method: 'gaussian', strength: DEFAULT_BLUR_POLICY.strength });
      for (const face of faces) {
        const drop = detailDrop(before, after, face);
        if (drop < BLUR_MIN_DROP) misses.push(`${name} [${face.join(', ')}]: ${(drop * 100).toFixed(0)} %`);
      }
    }
    expect(misses).toEqual([]);
  }, 60_000);

  it('continues a shape across the image border, where the box was cut off', async () => {
    const image = noiseImage();
    await blurRegions(image, [{ box: [100, 0, 200, 60], shape: 'ellipse' }], { method: 'solid', strength: 1 });
    expect([grey(image, 100, 0), grey(image, 199, 0), grey(image, 150, 59)]).toEqual([0, 0, 0]);
    expect(grey(image, 100, 59)).not.toBe(0);
  });

  it('rounds fractional boxes outwards and clamps them to the image', async () => {
    const image = await textImage();
    await blurRegions(image, [{ box: [-50.5, 59.4, 120.2, 80.1], shape: 'rounded-rect' }], {
      method: 'solid',
      strength: 1,
    });
    expect(image.data[(59 * 400 + 0) * 3]).toBe(0);
    expect(image.data[(70 * 400 + 120) * 3]).toBe(0);
    expect(image.data[(80 * 400 + 60) * 3]).toBe(0);
    expect(image.data[(70 * 400 + 121) * 3]).toBe(255);
    expect(image.data[(81 * 400 + 60) * 3]).toBe(255);
  });

  it('keeps a solid patch opaque on images with alpha', async () => {
    const image = await textImage(4);
    await blurRegions(image, [{ box: TEXT_BOX, shape: 'rounded-rect' }], { method: 'solid', strength: 1 });
    const i = (100 * 400 + 200) * 4;
    expect([...image.data.subarray(i, i + 4)]).toEqual([0, 0, 0, 255]);
  });
});
