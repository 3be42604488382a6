import sharp from 'sharp';
import { GLYPH_HEIGHT, GLYPH_STROKE, textPath, textWidth } from '../testing/plate-font';

/**
 * Plates as a camera sees them on the road: one or two lines, dark on light or light on dark,
 * turned about the vertical axis (yaw) so the near edge is taller than the far one.
 */
export interface PlateLook {
  lines: readonly string[];
  background: string;
  ink: string;
  /** Width over height of the flat plate (a one-line EU plate is 4.7, a two-line square one about 1.7). */
  aspect: number;
}

export const PLATE_LOOKS: Readonly<Record<string, Omit<PlateLook, 'lines'>>> = {
  'dark-on-white': { background: '#f4f4f0', ink: '#141414', aspect: 4.7 },
  'dark-on-yellow': { background: '#f6cf1d', ink: '#111111', aspect: 4.7 },
  'light-on-black': { background: '#151515', ink: '#e8e8e8', aspect: 4.7 },
  'two-line-white': { background: '#f7f7f2', ink: '#16213e', aspect: 1.75 },
  'two-line-black': { background: '#101010', ink: '#f0f0f0', aspect: 1.75 },
};

export interface PlateView {
  /** RGBA pixels of the turned plate, transparent around it. */
  rgba: Buffer;
  width: number;
  height: number;
}

/** Draws a flat plate `width` pixels wide, then turns it by `yawDegrees` (±35 at most in the set). */
export async function renderPlateView(look: PlateLook, width: number, yawDegrees: number): Promise<PlateView> {
  const height = Math.max(6, Math.round(width / look.aspect));
  const flat = await sharp(Buffer.from(plateSvg(look, width, height)))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return turn(flat.data, flat.info.width, flat.info.height, yawDegrees);
}

function plateSvg(look: PlateLook, width: number, height: number): string {
  const w = 100 * look.aspect;
  const h = 100;
  const border = 3;
  const rows = look.lines.length;
  const rowHeight = (h - 2 * border - 10) / rows;
  const parts = [
    `<rect x="0" y="0" width="${w}" height="${h}" rx="7" fill="${look.background}"/>`,
    `<rect x="${border}" y="${border}" width="${w - 2 * border}" height="${h - 2 * border}" rx="6" fill="none" ` +
      `stroke="${look.ink}" stroke-width="${border}"/>`,
  ];
  look.lines.forEach((line, row) => {
    let scale = (rowHeight * 0.78) / (GLYPH_HEIGHT + GLYPH_STROKE);
    const available = w - 2 * border - 14;
    const needed = (textWidth(line) + GLYPH_STROKE) * scale;
    if (needed > available) scale *= available / needed;
    const drawnWidth = (textWidth(line) + GLYPH_STROKE) * scale;
    const x = (w - drawnWidth) / 2 + (GLYPH_STROKE * scale) / 2;
    const y = border + 5 + row * rowHeight + (rowHeight - (GLYPH_HEIGHT + GLYPH_STROKE) * scale) / 2;
    parts.push(
      `<path d="${textPath(line, x, y + (GLYPH_STROKE * scale) / 2, scale)}" fill="none" stroke="${look.ink}" ` +
        `stroke-width="${GLYPH_STROKE * scale}" stroke-linecap="round" stroke-linejoin="round"/>`,
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${w} ${h}" ` +
    `preserveAspectRatio="none">${parts.join('')}</svg>`
  );
}

/**
 * Perspective view of a flat plate turned about its vertical centre line, seen by a pinhole
 * camera four plate-widths away: the plate narrows by about cos(yaw) and its far edge shrinks.
 */
function turn(rgba: Buffer, width: number, height: number, yawDegrees: number): PlateView {
  const yaw = (yawDegrees * Math.PI) / 180;
  const distance = 4 * width;
  const project = (x: number, y: number): [number, number] => {
    const dx = x - width / 2;
    const depth = distance + dx * Math.sin(yaw);
    const f = distance / depth;
    return [dx * Math.cos(yaw) * f, (y - height / 2) * f];
  };
  const corners = [project(0, 0), project(width, 0), project(width, height), project(0, height)];
  const minX = Math.min(...corners.map((c) => c[0]));
  const minY = Math.min(...corners.map((c) => c[1]));
  const outWidth = Math.ceil(Math.max(...corners.map((c) => c[0])) - minX);
  const outHeight = Math.ceil(Math.max(...corners.map((c) => c[1])) - minY);
  const toSource = homography(
    corners.map(([x, y]) => [x - minX, y - minY] as [number, number]),
    [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ],
  );
  const out = Buffer.alloc(outWidth * outHeight * 4);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const [sx, sy] = apply(toSource, x + 0.5, y + 0.5);
      sampleBilinear(rgba, width, height, sx - 0.5, sy - 0.5, out, (y * outWidth + x) * 4);
    }
  }
  return { rgba: out, width: outWidth, height: outHeight };
}

type Matrix = number[];

/** The 3x3 homography taking each `from` point to the `to` point of the same index. */
function homography(from: [number, number][], to: [number, number][]): Matrix {
  const a: number[][] = [];
  from.forEach(([x, y], i) => {
    const [u, v] = to[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  });
  // Gauss-Jordan elimination with partial pivoting on the 8x9 augmented system.
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const k = a[r][col] / a[col][col];
      for (let c = col; c < 9; c++) a[r][c] -= k * a[col][c];
    }
  }
  return [...a.map((row, i) => row[8] / row[i]), 1];
}

function apply(m: Matrix, x: number, y: number): [number, number] {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

function sampleBilinear(src: Buffer, width: number, height: number, x: number, y: number, out: Buffer, at: number) {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  for (let c = 0; c < 4; c++) {
    let value = 0;
    for (const [dx, dy, weight] of [
      [0, 0, (1 - fx) * (1 - fy)],
      [1, 0, fx * (1 - fy)],
      [0, 1, (1 - fx) * fy],
      [1, 1, fx * fy],
    ]) {
      const sx = x0 + dx;
      const sy = y0 + dy;
      if (sx >= 0 && sy >= 0 && sx < width && sy < height) value += weight * src[(sy * width + sx) * 4 + c];
    }
    out[at + c] = Math.round(value);
  }
}
