/**
 * A monoline stroke font for rendered licence plates, drawn as SVG paths instead of text:
 * SVG text depends on whatever fonts the machine has (none, on a bare container), which would
 * make plates render differently, or blank, from one machine to the next. The shapes follow
 * the plain, evenly stroked style of plate lettering.
 *
 * Each glyph is drawn in a box GLYPH_WIDTH wide and GLYPH_HEIGHT tall (y down), stroked with
 * round caps and joins at about GLYPH_STROKE.
 */
export const GLYPH_WIDTH = 4;
export const GLYPH_HEIGHT = 8;
export const GLYPH_STROKE = 1.25;
/** Pen advance between glyph boxes: plate lettering sits closer than book type. */
export const GLYPH_GAP = 1.45;

// Rounded letters are octagons: at plate sizes of 10-60 px they read as round, and straight
// segments keep the paths short.
const GLYPHS: Record<string, string> = {
  '0': 'M1.6 0H2.4L4 1.6V6.4L2.4 8H1.6L0 6.4V1.6Z',
  '1': 'M0.8 1.8L2.6 0V8',
  '2': 'M0 1.2L1.1 0H2.9L4 1.1V2.9L0 8H4',
  '3': 'M0 1.1L1.1 0H2.9L4 1.1V2.8L3 3.8H1.6M3 3.8L4 4.8V6.9L2.9 8H1.1L0 6.9',
  '4': 'M3 8V0L0 5.6V6H4',
  '5': 'M3.9 0H0.2L0 3.7H2.9L4 4.8V6.9L2.9 8H1.1L0 6.9',
  '6': 'M3.8 0.9L2.9 0H1.1L0 1.1V6.9L1.1 8H2.9L4 6.9V4.9L2.9 3.8H0',
  '7': 'M0 0H4V0.8L1.4 8',
  '8': 'M1.1 0H2.9L3.8 0.9V2.9L2.9 3.8H1.1L0.2 2.9V0.9ZM1.1 3.8L0 4.9V6.9L1.1 8H2.9L4 6.9V4.9L2.9 3.8',
  '9': 'M0.2 7.1L1.1 8H2.9L4 6.9V1.1L2.9 0H1.1L0 1.1V3.1L1.1 4.2H4',
  A: 'M0 8V2L2 0L4 2V8M0 5H4',
  B: 'M0 8V0H2.9L3.8 0.9V2.9L2.9 3.8H0M2.9 3.8L4 4.9V6.9L2.9 8H0',
  C: 'M4 1.1L2.9 0H1.1L0 1.1V6.9L1.1 8H2.9L4 6.9',
  D: 'M0 0H2.4L4 1.6V6.4L2.4 8H0Z',
  E: 'M4 0H0V8H4M0 3.8H3.2',
  F: 'M4 0H0V8M0 3.8H3.2',
  G: 'M4 1.1L2.9 0H1.1L0 1.1V6.9L1.1 8H2.9L4 6.9V4.4H2.2',
  H: 'M0 0V8M4 0V8M0 3.9H4',
  I: 'M0.9 0H3.1M2 0V8M0.9 8H3.1',
  J: 'M4 0V6.9L2.9 8H1.1L0 6.9V6',
  K: 'M0 0V8M4 0L0 5.2M1.5 3.3L4 8',
  L: 'M0 0V8H4',
  M: 'M0 8V0L2 4.4L4 0V8',
  N: 'M0 8V0L4 8V0',
  O: 'M1.1 0H2.9L4 1.1V6.9L2.9 8H1.1L0 6.9V1.1Z',
  P: 'M0 8V0H2.9L4 1.1V3.1L2.9 4.2H0',
  Q: 'M1.1 0H2.9L4 1.1V6.9L2.9 8H1.1L0 6.9V1.1ZM2.4 6L4 8',
  R: 'M0 8V0H2.9L4 1.1V3.1L2.9 4.2H0M2.2 4.2L4 8',
  S: 'M4 1.1L2.9 0H1.1L0 1.1V2.8L1.1 3.9H2.9L4 5V6.9L2.9 8H1.1L0 6.9',
  T: 'M0 0H4M2 0V8',
  U: 'M0 0V6.9L1.1 8H2.9L4 6.9V0',
  V: 'M0 0L2 8L4 0',
  W: 'M0 0L0.9 8L2 2.6L3.1 8L4 0',
  X: 'M0 0L4 8M4 0L0 8',
  Y: 'M0 0L2 4.2L4 0M2 4.2V8',
  Z: 'M0 0H4L0 8H4',
  '-': 'M1 4H3',
  '·': 'M2 3.9V4.1',
};

/** Characters the font can draw; everything else in a plate text is rejected, not skipped. */
export const PLATE_CHARACTERS = new Set([...Object.keys(GLYPHS), ' ']);

/** Width of `text` in glyph units (one glyph box is GLYPH_WIDTH, spaces are narrower). */
export function textWidth(text: string): number {
  let width = 0;
  for (const [i, ch] of [...text].entries()) {
    if (i > 0) width += GLYPH_GAP;
    width += ch === ' ' ? GLYPH_WIDTH * 0.45 : GLYPH_WIDTH;
  }
  return width;
}

/**
 * The SVG path data for `text` with its top-left corner at (x, y), scaled so that one glyph
 * unit is `scale` user units. Throws on a character the font does not have.
 */
export function textPath(text: string, x: number, y: number, scale: number): string {
  const parts: string[] = [];
  let pen = 0;
  for (const [i, ch] of [...text.toUpperCase()].entries()) {
    if (i > 0) pen += GLYPH_GAP;
    if (ch === ' ') {
      pen += GLYPH_WIDTH * 0.45;
      continue;
    }
    const glyph = GLYPHS[ch];
    if (glyph === undefined) throw new Error(`the plate font has no glyph for ${JSON.stringify(ch)}`);
    parts.push(transformPath(glyph, x + pen * scale, y, scale));
    pen += GLYPH_WIDTH;
  }
  return parts.join('');
}

// The glyphs use only absolute M, L, H, V and Z commands, so scaling and moving them is a
// matter of rewriting numbers by the axis each command reads.
function transformPath(d: string, dx: number, dy: number, scale: number): string {
  const out: string[] = [];
  const tokens = d.match(/[MLHVZ]|-?\d*\.?\d+/g) ?? [];
  let command = '';
  let axis = 0;
  for (const token of tokens) {
    if (/[MLHVZ]/.test(token)) {
      command = token;
      axis = 0;
      out.push(token);
      continue;
    }
    const value = Number(token);
    let isX: boolean;
    if (command === 'H') isX = true;
    else if (command === 'V') isX = false;
    else {
      isX = axis % 2 === 0;
      axis++;
    }
    const mapped = isX ? dx + value * scale : dy + value * scale;
    out.push(round(mapped));
  }
  return out.join(' ');
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
