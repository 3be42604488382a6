import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import portraitData from '../faces/testdata/portrait-faces.json';
import placementsData from '../testing/plate-placements.json';
import { PLATE_LOOKS, renderPlateView } from './plate-views';

/**
 * The privacy hard-case set: scenes built from packaged photos, each with the boxes of every face
 * and plate that must come out hidden. Nothing random is left to chance: every placement comes
 * from a seeded generator, so the same photos always give the same set.
 */
export type HardCaseGroup =
  | 'portrait'
  | 'distant-group'
  | 'bodiless-face'
  | 'tilted-face'
  | 'plate-on-detected-vehicle'
  | 'plate-on-missed-vehicle'
  | 'negative';

export interface TruthRegion {
  kind: 'face' | 'plate';
  box: Box;
  /** Face height, or the plate's visible width, in pixels: what recall is bucketed by. */
  size: number;
  what: string;
}

export interface HardCase {
  name: string;
  group: HardCaseGroup;
  /** JPEG at quality 92, as a camera or phone would upload it. */
  image: Buffer;
  width: number;
  height: number;
  truth: TruthRegion[];
}

/** The photos the set is built from, by file name (tools/assets/test-images.json and the face-api portraits). */
export const HARD_CASE_PHOTOS = [
  'sample1.jpg',
  'sample2.jpg',
  'sample3.jpg',
  'sample4.jpg',
  'sample5.jpg',
  'sample6.jpg',
  'street-town.jpg',
  'street-cars-la.jpg',
  'road-cars-la.jpg',
  'horses.jpg',
  'coffee.png',
] as const;

export type HardCasePhotos = Record<(typeof HARD_CASE_PHOTOS)[number], string>;

/**
 * `tuning` is the set the pipeline's constants were chosen on. `held-out` is built the same way
 * but with other sizes, faces, placements, backgrounds, angles and scales, and is never used to
 * choose anything: it tells whether what was tuned on the first set carries over to photos it was
 * not tuned on.
 */
export type HardCaseVariant = 'tuning' | 'held-out';

interface VariantParams {
  seed: number;
  /** Median face height of each distant group, in px. */
  groupFaces: number[];
  /** Whether even-numbered groups stand in the street (else among the horses). */
  groupInStreet: boolean;
  bodilessHeights: number[];
  /** Which portrait face the n-th face without a body, or the n-th tilted face, is cut from. */
  bodilessSource: (n: number) => number;
  tiltSource: (n: number) => number;
  tilts: number[];
  tiltHeights: number[];
  yaws: number[];
  plateScales: [number, number, number, number];
  firstPlateText: number;
}

const VARIANTS: Record<HardCaseVariant, VariantParams> = {
  tuning: {
    seed: 20261203,
    groupFaces: [20, 34],
    groupInStreet: true,
    bodilessHeights: [16, 18, 20, 22, 24, 28, 32, 36, 40, 48, 56, 64, 17, 21, 26, 30, 44, 60, 19, 23, 34, 52, 38, 64],
    bodilessSource: (n) => n * 7,
    tiltSource: (n) => n * 5 + 3,
    tilts: [-30, 15, 30, -15, 30, -30, -15, 15, -30, 30, 15, -15],
    tiltHeights: [32, 48, 64, 96, 40, 72, 56, 36, 88, 44, 60, 80],
    yaws: [-35, -20, 0, 20, 35, -28, 12, 30],
    plateScales: [1.5, 1, 2, 1.6],
    firstPlateText: 0,
  },
  'held-out': {
    seed: 7001,
    groupFaces: [18, 24, 29],
    groupInStreet: false,
    bodilessHeights: [23, 17, 30, 19, 50, 27, 21, 42, 16, 34, 62, 25, 20, 46, 18, 29, 58, 22, 38, 24, 17, 54, 31, 20],
    bodilessSource: (n) => n * 11 + 5,
    tiltSource: (n) => n * 7 + 1,
    tilts: [25, -30, -20, 30, -25, 20, 30, -30, 15, -20, 25, -15],
    tiltHeights: [30, 52, 70, 42, 90, 34, 62, 46, 38, 76, 28, 58],
    yaws: [30, -35, 15, -25, 0, 35, -10, -30],
    plateScales: [1.25, 1.3, 1.75, 1.45],
    firstPlateText: 3,
  },
};

interface Raster {
  data: Buffer;
  width: number;
  height: number;
}

interface Overlay {
  input: Buffer;
  raw: { width: number; height: number; channels: 4 };
  left: number;
  top: number;
}

const PORTRAITS = portraitData.photos as unknown as Record<string, { width: number; height: number; faces: Box[] }>;
const PORTRAIT_FACES = Object.entries(PORTRAITS).flatMap(([photo, { faces }]) => faces.map((box) => ({ photo, box })));

export async function buildHardCases(photos: HardCasePhotos, variant: HardCaseVariant = 'tuning'): Promise<HardCase[]> {
  const v = VARIANTS[variant];
  const rasters = new Map<string, Raster>();
  const load = async (name: keyof HardCasePhotos, width?: number): Promise<Raster> => {
    const key = `${name}@${width ?? 'full'}`;
    if (!rasters.has(key)) {
      let image = sharp(readFileSync(photos[name])).rotate().removeAlpha();
      if (width) image = image.resize({ width });
      const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      rasters.set(key, { data, width: info.width, height: info.height });
    }
    return rasters.get(key) as Raster;
  };
  const random = seeded(v.seed);
  const cases: HardCase[] = [];

  // Close-up group portraits, unchanged: faces of 130-330 px, and most of the photo must stay sharp.
  for (const [photo, { faces }] of Object.entries(PORTRAITS)) {
    const base = await load(photo as keyof HardCasePhotos);
    cases.push(
      await finish(
        `portrait ${photo}`,
        'portrait',
        base,
        [],
        faces.map((box) => face(box, 'close-up portrait')),
      ),
    );
  }

  // Whole group photos shrunk so their faces are 16-48 px, standing in a street or a park.
  const portraitNames = Object.keys(PORTRAITS);
  for (const [i, photo] of portraitNames.entries()) {
    for (const target of v.groupFaces) {
      const bg = await load((i % 2 === 0) === v.groupInStreet ? 'street-town.jpg' : 'horses.jpg', 1280);
      const { faces } = PORTRAITS[photo];
      const scale = target / median(faces.map((b) => b[3] - b[1]));
      const group = await load(photo as keyof HardCasePhotos, Math.round(PORTRAITS[photo].width * scale));
      const left = Math.round(random() * (bg.width - group.width));
      const top = Math.round(bg.height * 0.45 + random() * (bg.height * 0.55 - group.height));
      const sx = group.width / PORTRAITS[photo].width;
      const truth = faces.map((b) =>
        face([left + b[0] * sx, top + b[1] * sx, left + b[2] * sx, top + b[3] * sx], `distant group from ${photo}`),
      );
      cases.push(
        await finish(
          `distant group ${photo} faces ~${target}px`,
          'distant-group',
          bg,
          [overlay(group, left, top)],
          truth,
        ),
      );
    }
  }

  // Faces with no body in view: on posters, behind windows, cut by the frame, or alone.
  const styles = ['poster', 'window', 'frame-cut', 'plain'] as const;
  for (let scene = 0; scene < 6; scene++) {
    const bg = await load(scene % 2 === 0 ? 'horses.jpg' : 'street-town.jpg', 1280);
    const overlays: Overlay[] = [];
    const truth: TruthRegion[] = [];
    for (let k = 0; k < 4; k++) {
      const n = scene * 4 + k;
      const source = PORTRAIT_FACES[v.bodilessSource(n) % PORTRAIT_FACES.length];
      const style = styles[(n + scene) % styles.length];
      const height = v.bodilessHeights[n];
      const cut = await faceCrop(await load(source.photo as keyof HardCasePhotos), source.box, height, style);
      // Four columns across the frame; frame-cut faces sit on the left or right edge.
      let left = Math.round(((k + 0.2 + random() * 0.5) * bg.width) / 4 - cut.raster.width / 2);
      if (style === 'frame-cut')
        left =
          k < 2
            ? -Math.round(cut.face[0] + 0.35 * (cut.face[2] - cut.face[0]))
            : bg.width - Math.round(cut.face[0] + 0.65 * (cut.face[2] - cut.face[0]));
      const top = Math.round(bg.height * (0.15 + random() * 0.55));
      overlays.push(overlay(cut.raster, left, top));
      const box: Box = [left + cut.face[0], top + cut.face[1], left + cut.face[2], top + cut.face[3]];
      truth.push({
        kind: 'face',
        box: clip(box, bg),
        size: box[3] - box[1],
        what: `${style} face from ${source.photo}`,
      });
    }
    cases.push(await finish(`faces without bodies ${scene + 1}`, 'bodiless-face', bg, overlays, truth));
  }

  // Tilted faces, ±15 and ±30 degrees, 32-96 px tall.
  const { tilts, tiltHeights } = v;
  for (let scene = 0; scene < 4; scene++) {
    const bg = await load(scene % 2 === 0 ? 'street-town.jpg' : 'horses.jpg', 1280);
    const overlays: Overlay[] = [];
    const truth: TruthRegion[] = [];
    for (let k = 0; k < 3; k++) {
      const n = scene * 3 + k;
      const source = PORTRAIT_FACES[v.tiltSource(n) % PORTRAIT_FACES.length];
      const cut = await tiltedFace(
        await load(source.photo as keyof HardCasePhotos),
        source.box,
        tiltHeights[n],
        tilts[n],
      );
      const left = Math.round(((k + 0.5) * bg.width) / 3 - cut.raster.width / 2 + (random() - 0.5) * 100);
      const top = Math.round(bg.height * (0.1 + random() * 0.5));
      overlays.push(overlay(cut.raster, left, top));
      truth.push(
        face(
          [left + cut.face[0], top + cut.face[1], left + cut.face[2], top + cut.face[3]],
          `face tilted ${tilts[n]}° from ${source.photo}`,
        ),
      );
    }
    cases.push(await finish(`tilted faces ${scene + 1}`, 'tilted-face', bg, overlays, truth));
  }

  // Plates on the real plate mounts of cars the detector sees, turned up to ±35°.
  const lookNames = Object.keys(PLATE_LOOKS);
  const { yaws } = v;
  let plateN = v.firstPlateText;
  const nextPlate = () => {
    const n = plateN++;
    const look = lookNames[n % lookNames.length];
    return { look, yaw: yaws[n % yaws.length], text: PLATE_TEXTS[n % PLATE_TEXTS.length] };
  };
  const placements = placementsData as unknown as Record<string, { placements: { box: Box }[] }>;
  for (const [photo, scale] of [
    ['street-cars-la.jpg', v.plateScales[0]],
    ['road-cars-la.jpg', v.plateScales[1]],
    ['street-cars-la.jpg', v.plateScales[2]],
    ['road-cars-la.jpg', v.plateScales[3]],
  ] as const) {
    const full = await load(photo);
    const bg = await load(photo, Math.round(full.width * scale));
    const overlays: Overlay[] = [];
    const truth: TruthRegion[] = [];
    for (const { box } of placements[photo].placements) {
      const spec = nextPlate();
      const mount = box.map((v) => v * scale) as Box;
      const placed = await plateOverlay(spec, mount[2] - mount[0], mount);
      overlays.push(placed.overlay);
      truth.push(placed.truth);
    }
    cases.push(await finish(`plates on cars ${photo} x${scale}`, 'plate-on-detected-vehicle', bg, overlays, truth));
  }

  // Plates on cars the detector is not expected to see whole: close-ups of a bumper, cars cut
  // by the frame, and cars hidden behind a wall up to the plate.
  const missed: { name: string; photo: keyof HardCasePhotos; crop: Box; scale: number; mount: Box; cover?: Box }[] = [
    {
      name: 'close-up of a sedan rear',
      photo: 'road-cars-la.jpg',
      crop: [1090, 230, 1390, 440],
      scale: 3,
      mount: [1213, 320, 1265, 349],
    },
    {
      name: 'close-up of a white sedan',
      photo: 'street-cars-la.jpg',
      crop: [640, 190, 820, 320],
      scale: 3,
      mount: [700, 254, 752, 267],
    },
    {
      name: 'sedan cut by the frame',
      photo: 'road-cars-la.jpg',
      crop: [1195, 120, 1900, 560],
      scale: 1.5,
      mount: [1213, 320, 1265, 349],
    },
    {
      name: 'white sedan cut by the frame',
      photo: 'street-cars-la.jpg',
      crop: [690, 120, 928, 400],
      scale: 2,
      mount: [700, 254, 752, 267],
    },
    {
      name: 'sedan behind a wall',
      photo: 'road-cars-la.jpg',
      crop: [700, 100, 1800, 560],
      scale: 1,
      mount: [1213, 320, 1265, 349],
      cover: [1080, 100, 1400, 316],
    },
    {
      name: 'taxi behind a wall',
      photo: 'street-cars-la.jpg',
      crop: [0, 100, 500, 400],
      scale: 2,
      mount: [135, 272, 173, 290],
      cover: [90, 100, 230, 268],
    },
  ];
  for (const m of missed) {
    const full = await load(m.photo);
    const region = cropRaster(full, m.crop);
    let bg = await scaleRaster(region, m.scale);
    const toCrop = (b: Box): Box => [
      (b[0] - m.crop[0]) * m.scale,
      (b[1] - m.crop[1]) * m.scale,
      (b[2] - m.crop[0]) * m.scale,
      (b[3] - m.crop[1]) * m.scale,
    ];
    if (m.cover) bg = await wall(bg, toCrop(m.cover));
    const spec = nextPlate();
    const mount = toCrop(m.mount);
    const placed = await plateOverlay(spec, Math.min(160, (mount[2] - mount[0]) * 1.1), mount);
    cases.push(await finish(m.name, 'plate-on-missed-vehicle', bg, [placed.overlay], [placed.truth]));
  }

  // Negatives: photos with nothing to hide, and text that is not a plate.
  cases.push(await finish('nothing to hide: coffee', 'negative', await load('coffee.png'), [], []));
  cases.push(await finish('nothing to hide: horses', 'negative', await load('horses.jpg'), [], []));
  const roofs = cropRaster(await load('street-town.jpg'), [0, 0, 1024, 380]);
  const signSets: {
    bg: Raster;
    signs: { lines: string[]; background: string; ink: string; aspect: number; width: number; at: [number, number] }[];
  }[] = [
    {
      bg: roofs,
      signs: [
        { lines: ['BAKERY 1920'], background: '#f2efe6', ink: '#2a1a0c', aspect: 5, width: 180, at: [60, 300] },
        { lines: ['MAIN ST'], background: '#1f6b3a', ink: '#ffffff', aspect: 4.2, width: 120, at: [560, 250] },
        { lines: ['RUE ST-LOUIS'], background: '#1d3f8f', ink: '#ffffff', aspect: 4.6, width: 150, at: [780, 320] },
      ],
    },
    {
      bg: await load('horses.jpg'),
      signs: [
        {
          lines: ['OPEN 8-18', 'NO DOGS', 'PARKING 2H', 'KEEP LEFT', 'EXIT 300 M', 'TEL 0431 22'],
          background: '#e9e4d2',
          ink: '#222222',
          aspect: 1.1,
          width: 220,
          at: [480, 60],
        },
        { lines: ['FARM SHOP'], background: '#ffffff', ink: '#8a1010', aspect: 4.4, width: 140, at: [80, 120] },
      ],
    },
    {
      bg: await load('coffee.png'),
      signs: [
        {
          lines: ['ESPRESSO 220', 'LATTE 340', 'MOCHA 390', 'TEA 180'],
          background: '#1c1c1c',
          ink: '#f1f1f1',
          aspect: 1.6,
          width: 200,
          at: [380, 20],
        },
        { lines: ['CAFE 1893'], background: '#f6cf1d', ink: '#111111', aspect: 4.7, width: 110, at: [20, 340] },
      ],
    },
  ];
  for (const [i, { bg, signs }] of signSets.entries()) {
    const overlays: Overlay[] = [];
    for (const sign of signs) {
      const view = await renderPlateView(sign, sign.width, 0);
      overlays.push({
        input: view.rgba,
        raw: { width: view.width, height: view.height, channels: 4 },
        left: sign.at[0],
        top: sign.at[1],
      });
    }
    cases.push(await finish(`signs and text ${i + 1}`, 'negative', bg, overlays, []));
  }
  return cases;

  async function plateOverlay(
    spec: { look: string; yaw: number; text: string },
    width: number,
    mount: Box,
  ): Promise<{ overlay: Overlay; truth: TruthRegion }> {
    const look = PLATE_LOOKS[spec.look];
    const words = spec.text.split(' ');
    const half = Math.ceil(words.length / 2);
    const lines = look.aspect < 3 ? [words.slice(0, half).join(' '), words.slice(half).join(' ')] : [spec.text];
    const view = await renderPlateView(
      { ...look, lines },
      Math.max(40, Math.round(width / Math.cos((spec.yaw * Math.PI) / 180))),
      spec.yaw,
    );
    const left = Math.round((mount[0] + mount[2]) / 2 - view.width / 2);
    const top = Math.round((mount[1] + mount[3]) / 2 - view.height / 2);
    return {
      overlay: { input: view.rgba, raw: { width: view.width, height: view.height, channels: 4 }, left, top },
      truth: {
        kind: 'plate',
        box: [left, top, left + view.width, top + view.height],
        size: view.width,
        what: `${spec.look} plate "${spec.text}" turned ${spec.yaw}°`,
      },
    };
  }
}

const PLATE_TEXTS = [
  'M KR 4821',
  'HH AB 1207',
  'LK19 XRD',
  '7TXB 215',
  'B MW 330',
  'AB 123 CD',
  'K 492 FD',
  'GR 88 ZT',
  'WX71 KPL',
  '9ABC 017',
];

function face(box: Box, what: string): TruthRegion {
  return { kind: 'face', box, size: box[3] - box[1], what };
}

function overlay(r: Raster, left: number, top: number): Overlay {
  return { input: r.data, raw: { width: r.width, height: r.height, channels: 4 }, left, top };
}

/** Composites the overlays, trims truth boxes to the frame and encodes the scene as a JPEG. */
async function finish(
  name: string,
  group: HardCaseGroup,
  bg: Raster,
  overlays: Overlay[],
  truth: TruthRegion[],
): Promise<HardCase> {
  let canvas = bg.data;
  // sharp refuses overlays that reach past the canvas, so each is cut to the frame first.
  const fitted: { input: Buffer; raw: Overlay['raw']; left: number; top: number }[] = [];
  for (const o of overlays) {
    const x1 = Math.max(0, o.left);
    const y1 = Math.max(0, o.top);
    const x2 = Math.min(bg.width, o.left + o.raw.width);
    const y2 = Math.min(bg.height, o.top + o.raw.height);
    if (x2 <= x1 || y2 <= y1) continue;
    const part = cropRaster({ data: o.input, width: o.raw.width, height: o.raw.height }, [
      x1 - o.left,
      y1 - o.top,
      x2 - o.left,
      y2 - o.top,
    ]);
    fitted.push({ input: part.data, raw: { width: part.width, height: part.height, channels: 4 }, left: x1, top: y1 });
  }
  if (fitted.length > 0) {
    canvas = await sharp(bg.data, { raw: { width: bg.width, height: bg.height, channels: 4 } })
      .composite(fitted)
      .raw()
      .toBuffer();
  }
  const image = await sharp(canvas, { raw: { width: bg.width, height: bg.height, channels: 4 } })
    .removeAlpha()
    .jpeg({ quality: 92 })
    .toBuffer();
  return {
    name,
    group,
    image,
    width: bg.width,
    height: bg.height,
    truth: truth.map((t) => ({ ...t, box: clip(t.box, bg) })),
  };
}

/** A face cut from a portrait with some of its surroundings, scaled so the face is `height` px tall. */
async function faceCrop(
  photo: Raster,
  box: Box,
  height: number,
  style: 'poster' | 'window' | 'frame-cut' | 'plain',
): Promise<{ raster: Raster; face: Box }> {
  const margin = style === 'poster' ? 0.45 : 0.3;
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  const crop = clip([box[0] - margin * w, box[1] - margin * h, box[2] + margin * w, box[3] + margin * h], photo);
  const scale = height / h;
  let raster = await scaleRaster(cropRaster(photo, crop), scale);
  let offset = 0;
  if (style === 'window') raster = tint(raster);
  if (style === 'poster') {
    offset = Math.max(2, Math.round(raster.width * 0.05));
    raster = framed(raster, offset);
  }
  return {
    raster,
    face: [
      offset + (box[0] - crop[0]) * scale,
      offset + (box[1] - crop[1]) * scale,
      offset + (box[2] - crop[0]) * scale,
      offset + (box[3] - crop[1]) * scale,
    ],
  };
}

/** A face turned by `degrees`; the truth box bounds the turned face's ellipse. */
async function tiltedFace(
  photo: Raster,
  box: Box,
  height: number,
  degrees: number,
): Promise<{ raster: Raster; face: Box }> {
  const cut = await faceCrop(photo, box, height, 'plain');
  const { data, info } = await sharp(cut.raster.data, {
    raw: { width: cut.raster.width, height: cut.raster.height, channels: 4 },
  })
    .rotate(degrees, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const t = (degrees * Math.PI) / 180;
  const [fx1, fy1, fx2, fy2] = cut.face;
  const dx = (fx1 + fx2) / 2 - cut.raster.width / 2;
  const dy = (fy1 + fy2) / 2 - cut.raster.height / 2;
  const cx = info.width / 2 + dx * Math.cos(t) - dy * Math.sin(t);
  const cy = info.height / 2 + dx * Math.sin(t) + dy * Math.cos(t);
  const a = (fx2 - fx1) / 2;
  const b = (fy2 - fy1) / 2;
  const ex = Math.hypot(a * Math.cos(t), b * Math.sin(t));
  const ey = Math.hypot(a * Math.sin(t), b * Math.cos(t));
  return { raster: { data, width: info.width, height: info.height }, face: [cx - ex, cy - ey, cx + ex, cy + ey] };
}

/** A pane of glass in front: darker, bluer, with a pale reflection across it. */
function tint(r: Raster): Raster {
  const out = Buffer.from(r.data);
  const glass = [40, 55, 75];
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const i = (y * r.width + x) * 4;
      const reflection = 45 * Math.max(0, 1 - Math.abs((x + y) / (r.width + r.height) - 0.35) * 4);
      for (let c = 0; c < 3; c++)
        out[i + c] = Math.min(255, Math.round(out[i + c] * 0.7 + glass[c] * 0.3 + reflection));
    }
  }
  return { data: out, width: r.width, height: r.height };
}

/** A printed poster: the picture on a white card. */
function framed(r: Raster, border: number): Raster {
  const width = r.width + 2 * border;
  const height = r.height + 2 * border;
  const out = Buffer.alloc(width * height * 4, 255);
  for (let y = 0; y < r.height; y++)
    r.data.copy(out, ((y + border) * width + border) * 4, y * r.width * 4, (y + 1) * r.width * 4);
  return { data: out, width, height };
}

/** A plain grey wall over `box`, as if the car stood behind it. */
async function wall(r: Raster, box: Box): Promise<Raster> {
  const out = Buffer.from(r.data);
  const [x1, y1, x2, y2] = clip(box, r).map(Math.round);
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const i = (y * r.width + x) * 4;
      const v = 150 + ((x * 7 + y * 13) % 17);
      out[i] = v;
      out[i + 1] = v - 6;
      out[i + 2] = v - 14;
    }
  }
  return { data: out, width: r.width, height: r.height };
}

function cropRaster(r: Raster, box: Box): Raster {
  const [x1, y1, x2, y2] = clip(box, r).map(Math.round);
  const width = x2 - x1;
  const height = y2 - y1;
  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    r.data.copy(out, y * width * 4, ((y1 + y) * r.width + x1) * 4, ((y1 + y) * r.width + x2) * 4);
  return { data: out, width, height };
}

async function scaleRaster(r: Raster, scale: number): Promise<Raster> {
  const width = Math.max(1, Math.round(r.width * scale));
  const height = Math.max(1, Math.round(r.height * scale));
  const data = await sharp(r.data, { raw: { width: r.width, height: r.height, channels: 4 } })
    .resize(width, height, { fit: 'fill', kernel: scale < 1 ? 'lanczos3' : 'cubic' })
    .raw()
    .toBuffer();
  return { data, width, height };
}

function clip([x1, y1, x2, y2]: Box, r: { width: number; height: number }): Box {
  const cx = (v: number) => Math.min(r.width, Math.max(0, v));
  const cy = (v: number) => Math.min(r.height, Math.max(0, v));
  return [cx(x1), cy(y1), cx(x2), cy(y2)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** mulberry32: a tiny seeded generator, so the set is the same on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
