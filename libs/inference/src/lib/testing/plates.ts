import sharp from 'sharp';
import { Box } from '@imgpipe/contracts';
import { GLYPH_HEIGHT, GLYPH_STROKE, PLATE_CHARACTERS, textPath, textWidth } from './plate-font';
import placementsData from './plate-placements.json';

/**
 * Licence plates rendered onto real photos. No package ships a photo with a sharp, readable
 * plate, so tests paste one where a plate sits on a real vehicle and check that the pipeline
 * finds and blurs it.
 */
export type PlateStyle = 'eu' | 'uk-rear' | 'us';

export interface PlateSpec {
  /** Letters, digits, spaces and hyphens; lower case is drawn as upper case. */
  text: string;
  style: PlateStyle;
  /** The blue band with the ring of stars; on by default for 'eu' only. */
  euBand?: boolean;
  /** Country code in the band (default 'D'). */
  country?: string;
}

export interface PlatePlacement {
  text: string;
  /** Where the plate goes on the upright photo: [x1, y1, x2, y2], pixels, x2/y2 exclusive. */
  box: Box;
  style?: PlateStyle;
  euBand?: boolean;
}

export interface PlacedPlate {
  text: string;
  /** The pixels the plate covers, rounded to whole pixels: what a test should expect found. */
  box: Box;
}

export interface PhotoPlatePlacements {
  note: string;
  placements: PlatePlacement[];
  /** Text on the photo away from any vehicle, which a plate detector must leave alone. */
  signs?: { text: string; box: Box }[];
}

/** Physical plate sizes in millimetres (width, height). */
export const PLATE_SIZE_MM: Readonly<Record<PlateStyle, readonly [number, number]>> = {
  eu: [520, 110],
  'uk-rear': [520, 111],
  us: [305, 152],
};

interface StyleLook {
  background: string;
  text: string;
  border: string;
  /** Character height in mm, as the regulations (or the usual US practice) set it. */
  charHeight: number;
  cornerRadius: number;
  band: boolean;
}

const LOOKS: Record<PlateStyle, StyleLook> = {
  eu: { background: '#f4f4f0', text: '#141414', border: '#1c1c1c', charHeight: 75, cornerRadius: 6, band: true },
  'uk-rear': {
    background: '#f6cf1d',
    text: '#111111',
    border: '#1c1c1c',
    charHeight: 79,
    cornerRadius: 6,
    band: false,
  },
  us: { background: '#f7f7f2', text: '#16213e', border: '#16213e', charHeight: 66, cornerRadius: 10, band: false },
};

// Spelled through the method so it holds under both of sharp's type entry points (ESM and CJS).
type Overlay = Parameters<ReturnType<typeof sharp>['composite']>[0][number];

const BAND_WIDTH_MM = 44;
const BAND_BLUE = '#003399';
const STAR_YELLOW = '#ffcc00';

/** The plate's height in pixels when drawn `width` pixels wide, at its real proportions. */
export function plateHeight(style: PlateStyle, width: number): number {
  const [w, h] = PLATE_SIZE_MM[style];
  return Math.max(1, Math.round((width * h) / w));
}

/**
 * Draws a plate `width` pixels wide at its real proportions: a PNG with alpha (transparent
 * outside the rounded corners).
 */
export async function renderPlate(spec: PlateSpec, width: number): Promise<Buffer> {
  if (!Number.isInteger(width) || width < 8) throw new RangeError(`plate width must be an integer >= 8, got ${width}`);
  return rasterise(plateSvg(spec, width, plateHeight(spec.style, width)));
}

/**
 * Composites one plate per placement onto `photo` (any format sharp reads; EXIF orientation is
 * applied first, so boxes refer to the upright photo). Each plate fills its box exactly: a box
 * narrower than the plate's proportions stands for a plate seen at an angle. The result is a
 * PNG unless `format` says otherwise, so the plate's edges stay as sharp as drawn.
 */
export async function placePlates(
  photo: Buffer,
  placements: readonly PlatePlacement[],
  options: { format?: 'png' | 'jpeg'; quality?: number } = {},
): Promise<{ image: Buffer; plates: PlacedPlate[] }> {
  const upright = await sharp(photo).rotate().png().toBuffer({ resolveWithObject: true });
  const { width, height } = upright.info;
  const plates: PlacedPlate[] = [];
  const overlays: Overlay[] = [];
  for (const placement of placements) {
    const [x1, y1, x2, y2] = placement.box.map((v) => Math.round(v));
    if (!(x1 >= 0 && y1 >= 0 && x2 <= width && y2 <= height && x2 - x1 >= 8 && y2 - y1 >= 4)) {
      throw new RangeError(
        `plate "${placement.text}" box [${placement.box.join(', ')}] does not fit a ${width}x${height} photo ` +
          '(or is under 8x4 px)',
      );
    }
    const spec: PlateSpec = { text: placement.text, style: placement.style ?? 'eu', euBand: placement.euBand };
    overlays.push({ input: await rasterise(plateSvg(spec, x2 - x1, y2 - y1)), left: x1, top: y1 });
    plates.push({ text: placement.text, box: [x1, y1, x2, y2] });
  }
  // Compositing adds an alpha channel; a photo that had none must not gain one, or every pixel
  // of the result would differ from the original when read back.
  const composited = await sharp(upright.data).composite(overlays).png().toBuffer();
  let out = sharp(composited);
  if (upright.info.channels === 3) out = out.removeAlpha();
  out = options.format === 'jpeg' ? out.jpeg({ quality: options.quality ?? 92 }) : out.png();
  return { image: await out.toBuffer(), plates };
}

/** Where plates go on each vehicle photo of tools/assets/test-images.json: on the vehicles' plate mounts. */
export function platePlacements(): Record<string, PhotoPlatePlacements> {
  return placementsData as unknown as Record<string, PhotoPlatePlacements>;
}

async function rasterise(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).ensureAlpha().png().toBuffer();
}

/**
 * The plate as SVG, drawn in millimetres and stretched to `width` x `height` pixels.
 * Exported for the tests only.
 */
export function plateSvg(spec: PlateSpec, width: number, height: number): string {
  const look = LOOKS[spec.style];
  if (!look) throw new Error(`unknown plate style ${JSON.stringify(spec.style)}`);
  for (const ch of spec.text.toUpperCase()) {
    if (!PLATE_CHARACTERS.has(ch))
      throw new Error(`plate text ${JSON.stringify(spec.text)}: cannot draw ${JSON.stringify(ch)}`);
  }
  const [w, h] = PLATE_SIZE_MM[spec.style];
  // The border is drawn in mm like everything else, but never thinner than about 0.8 px, or a
  // small plate would lose its outline entirely.
  const pxPerMmX = width / w;
  const borderWidth = Math.max(3, 0.8 / Math.min(pxPerMmX, height / h));
  const inset = borderWidth / 2 + 1;
  // A box squeezed sideways (a plate seen at an angle) squeezes the margins too; keep at least
  // a pixel and a half between the text and the border so the characters stay apart from it.
  const margin = Math.max(6, 1.5 / pxPerMmX);
  const band = spec.euBand ?? look.band;
  const parts: string[] = [
    `<rect x="0" y="0" width="${w}" height="${h}" rx="${look.cornerRadius}" fill="${look.background}"/>`,
  ];

  let textLeft = inset + margin;
  if (band) {
    const bandRight = inset + BAND_WIDTH_MM;
    parts.push(bandSvg(inset, bandRight, h, look.cornerRadius, spec.country ?? 'D'));
    textLeft = bandRight + margin;
  }
  const textRight = w - inset - margin;

  // Fit the characters to the regulation height, narrowing the whole text only when it would
  // not fit the width.
  const stroke = GLYPH_STROKE;
  let scale = look.charHeight / (GLYPH_HEIGHT + stroke);
  const available = textRight - textLeft;
  const needed = (textWidth(spec.text) + stroke) * scale;
  if (needed > available) scale *= available / needed;
  const drawnWidth = (textWidth(spec.text) + stroke) * scale;
  const drawnHeight = (GLYPH_HEIGHT + stroke) * scale;
  const x = textLeft + (available - drawnWidth) / 2 + (stroke * scale) / 2;
  const y = (h - drawnHeight) / 2 + (stroke * scale) / 2;
  parts.push(
    `<path d="${textPath(spec.text, x, y, scale)}" fill="none" stroke="${look.text}" ` +
      `stroke-width="${round(stroke * scale)}" stroke-linecap="round" stroke-linejoin="round"/>`,
  );
  parts.push(
    `<rect x="${round(inset)}" y="${round(inset)}" width="${round(w - 2 * inset)}" height="${round(h - 2 * inset)}" ` +
      `rx="${look.cornerRadius - 1}" fill="none" stroke="${look.border}" stroke-width="${round(borderWidth)}"/>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">${parts.join('')}</svg>`
  );
}

function bandSvg(left: number, right: number, h: number, radius: number, country: string): string {
  const width = right - left;
  const cx = left + width / 2;
  const cy = h * 0.34;
  const ring = width * 0.3;
  const stars: string[] = [];
  for (let i = 0; i < 12; i++) {
    const angle = (i * Math.PI) / 6;
    stars.push(
      `<circle cx="${round(cx + ring * Math.sin(angle))}" cy="${round(cy - ring * Math.cos(angle))}" r="${round(width * 0.055)}" fill="${STAR_YELLOW}"/>`,
    );
  }
  const letterScale = (h * 0.26) / GLYPH_HEIGHT;
  const letters = country.toUpperCase().slice(0, 3);
  const lettersWidth = textWidth(letters) * letterScale;
  return (
    `<rect x="0" y="0" width="${round(right)}" height="${h}" rx="${radius}" fill="${BAND_BLUE}"/>` +
    `<rect x="${radius}" y="0" width="${round(right - radius)}" height="${h}" fill="${BAND_BLUE}"/>` +
    stars.join('') +
    `<path d="${textPath(letters, cx - lettersWidth / 2, h * 0.6, letterScale)}" fill="none" stroke="#ffffff" ` +
    `stroke-width="${round(GLYPH_STROKE * letterScale * 1.1)}" stroke-linecap="round" stroke-linejoin="round"/>`
  );
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
