import { join } from 'node:path';
import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import { iou } from '../geometry/box';
import { RgbImage } from '../types';
import { PlateDetector } from './text-detector';

const root = join(__dirname, '../../../../..');
const modelsDir = process.env['IMGPIPE_MODELS_DIR'] ?? join(root, '.cache/models');
const photosDir = process.env['IMGPIPE_PHOTOS_DIR'] ?? join(root, '.cache/photos');

/** An EU-style plate: black text on white, black border, blue band on the left. */
function plateSvg(width: number, height: number, text: string): Buffer {
  const border = Math.max(1, height / 20);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="1" y="1" width="${width - 2}" height="${height - 2}" fill="#fff" stroke="#000" stroke-width="${border}"/>` +
      `<rect x="${border + 1}" y="${border + 1}" width="${width * 0.08}" height="${height - 2 * (border + 1)}" fill="#039"/>` +
      `<text x="${width * 0.55}" y="${height * 0.76}" font-family="DejaVu Sans, sans-serif" font-weight="bold" ` +
      `font-size="${height * 0.72}" text-anchor="middle" fill="#000">${text}</text></svg>`,
  );
}

/** A photo with things pasted at the given top-left corners. */
async function photoWith(name: string, pasted: { svg: Buffer; left: number; top: number }[]): Promise<RgbImage> {
  const { data, info } = await sharp(join(photosDir, name))
    .composite(pasted.map(({ svg, left, top }) => ({ input: svg, left, top })))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A car-sized box around a plate: the plate is 29 % of the car's width, 78 % of the way down. */
function carAround([x1, y1, x2, y2]: Box): Box {
  const width = (x2 - x1) / 0.29;
  const height = width * 0.75;
  const left = (x1 + x2) / 2 - width / 2;
  const top = (y1 + y2) / 2 - height * 0.78;
  return [left, top, left + width, top + height];
}

/** Whether `region` holds all of `plate`, and is not more than about twice its size. */
function covers(region: Box, plate: Box): boolean {
  const inside = region[0] <= plate[0] && region[1] <= plate[1] && region[2] >= plate[2] && region[3] >= plate[3];
  return inside && iou(region, plate) > 0.4;
}

describe('PlateDetector', () => {
  jest.setTimeout(60_000);
  let detector: PlateDetector;
  const plate: Box = [300, 1100, 420, 1126];
  const secondPlate: Box = [1300, 1100, 1420, 1126];
  let image: RgbImage;

  beforeAll(async () => {
    detector = await PlateDetector.create(
      join(modelsDir, 'ppocr-v4-det.onnx'),
      { name: 'ppocr-v4-det', version: '1.4.2', sha256: '' },
      { intraOpThreads: 1 },
    );
    image = await photoWith('sample3.jpg', [
      { svg: plateSvg(120, 26, 'AB 123 CD'), left: plate[0], top: plate[1] },
      { svg: plateSvg(120, 26, 'XY 987 ZW'), left: secondPlate[0], top: secondPlate[1] },
    ]);
  });

  afterAll(() => detector?.dispose());

  const vehiclesOnly = { fullFrame: false };

  it('finds a plate inside the vehicle box it is given, and covers the whole plate', async () => {
    const regions = await detector.detect(image, [carAround(plate)], vehiclesOnly);
    expect(regions).toHaveLength(1);
    expect(covers(regions[0].box, plate)).toBe(true);
    expect(regions[0].score).toBeGreaterThan(0.9);
  });

  it('finds the plates of two equal-sized vehicles in one batch, once each', async () => {
    const cars = [carAround(plate), carAround(secondPlate), carAround(plate)];
    const regions = await detector.detect(image, cars, vehiclesOnly);
    expect(regions).toHaveLength(2);
    expect(regions.some((r) => covers(r.box, plate))).toBe(true);
    expect(regions.some((r) => covers(r.box, secondPlate))).toBe(true);
  });

  it('without the whole-frame pass, does not search outside vehicles', async () => {
    expect(await detector.detect(image, [], vehiclesOnly)).toEqual([]);
    expect(await detector.detect(image, [[1000, 100, 1400, 400]], vehiclesOnly)).toEqual([]);
  });

  it('finds a large plate on a vehicle it was not given with the whole-frame pass', async () => {
    // A close-up of a bumper: the plate is a quarter of the frame's width.
    const closeUp: Box = [700, 900, 1180, 1004];
    const photo = await photoWith('sample3.jpg', [
      { svg: plateSvg(480, 104, 'AB 123 CD'), left: closeUp[0], top: closeUp[1] },
    ]);
    expect(await detector.detect(photo, [], vehiclesOnly)).toEqual([]);
    const regions = await detector.detect(photo, []);
    expect(regions.filter((r) => covers(r.box, closeUp))).toHaveLength(1);
  });

  it('leaves street-name signs alone in the whole-frame pass: plate-shaped text, but white on green or blue', async () => {
    const sign = (fill: string) =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="104"><rect width="480" height="104" rx="10" fill="${fill}"/>` +
          '<text x="240" y="80" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="70" ' +
          'text-anchor="middle" fill="#fff">MAIN ST</text></svg>',
      );
    // As large as the close-up plate above, so the whole-frame pass sees them as text.
    const signs: Box[] = [
      [200, 900, 680, 1004],
      [1200, 900, 1680, 1004],
    ];
    const photo = await photoWith('sample3.jpg', [
      { svg: sign('#1f6b3a'), left: signs[0][0], top: signs[0][1] },
      { svg: sign('#1d3f8f'), left: signs[1][0], top: signs[1][1] },
    ]);
    const anyColour = await detector.detectInRegions(
      photo,
      signs.map(([x1, y1, x2, y2]) => ({ left: x1 - 40, top: y1 - 40, width: x2 - x1 + 80, height: y2 - y1 + 80 })),
    );
    // The text is found and has a plate's shape; only its colours keep it out of the whole-frame pass.
    for (const sign of signs) expect(anyColour.some((r) => iou(r.box, sign) > 0)).toBe(true);
    const regions = await detector.detect(photo, []);
    expect(regions.filter((r) => signs.some((s) => iou(r.box, s) > 0))).toEqual([]);
  });

  it('drops text that is not shaped like a plate', async () => {
    const anyShape = await PlateDetector.create(
      join(modelsDir, 'ppocr-v4-det.onnx'),
      { name: 'ppocr-v4-det', version: '1.4.2', sha256: '' },
      { intraOpThreads: 1, shape: { minAspect: 0, maxAspect: Infinity, minHeight: 0, maxWidthOfVehicle: Infinity } },
    );
    const slogan = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><rect width="600" height="40" fill="#fff"/>' +
        '<text x="300" y="31" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="30" ' +
        'text-anchor="middle">FRESH FLOWERS DELIVERED DAILY</text></svg>',
    );
    const photo = await photoWith('sample1.jpg', [{ svg: slogan, left: 200, top: 1150 }]);
    // Lettering along a van's side (about 15:1), and the round badge on a sleeve in sample1 (about 1.3:1).
    const van: Box = [100, 800, 1000, 1280];
    const sleeve: Box = [1188, 188, 1890, 1278];
    try {
      for (const vehicle of [van, sleeve]) {
        expect(await anyShape.detect(photo, [vehicle], vehiclesOnly)).toHaveLength(1);
        expect(await detector.detect(photo, [vehicle], vehiclesOnly)).toEqual([]);
      }
    } finally {
      await anyShape.dispose();
    }
  });
});
