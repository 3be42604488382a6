import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { RgbImage } from '../types';
import { ObjectDetector } from './object-detector';

// The suite's global setup fetches and verifies the model and photos before any spec runs.
const ROOT = resolve(__dirname, '../../../../..');
const MODELS_DIR = process.env['IMGPIPE_MODELS_DIR'] ?? join(ROOT, '.cache', 'models');
const PHOTOS_DIR = process.env['IMGPIPE_PHOTOS_DIR'] ?? join(ROOT, '.cache', 'photos');
const PORTRAITS = ['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg'];

async function readPhoto(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(PHOTOS_DIR, name))
    .rotate()
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('NanoDet-g on real photos', () => {
  let detector: ObjectDetector;

  beforeAll(async () => {
    detector = await ObjectDetector.create(
      join(MODELS_DIR, 'nanodet-g.onnx'),
      { name: 'nanodet-g', version: '3.0.4', sha256: '' },
      {},
    );
  });
  afterAll(() => detector?.dispose());

  it('is read as NanoDet', () => {
    expect(detector.layout).toBe('nanodet');
  });

  // Each portrait shows 3-5 people; NanoDet-g (COCO mAP 22.9) finds at least two of them above 0.4.
  it.each(PORTRAITS)('finds the people in %s, with boxes inside the photo', async (name) => {
    const image = await readPhoto(name);
    const people = await detector.detect(image, { scoreThreshold: 0.4, classes: ['person'] });
    expect(people.length).toBeGreaterThanOrEqual(2);
    expect(people[0].score).toBeGreaterThan(0.5);
    for (const { box, label } of people) {
      expect(label).toBe('person');
      const [x1, y1, x2, y2] = box;
      expect(0 <= x1 && x1 < x2 && x2 <= image.width && 0 <= y1 && y1 < y2 && y2 <= image.height).toBe(true);
      // people in these portraits are large: a box under a fifth of the photo's height is not one of them
      expect(y2 - y1).toBeGreaterThan(image.height / 5);
    }
  });
});
