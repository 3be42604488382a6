import { Box } from '@imgpipe/contracts';
import { RgbImage } from '../types';

/**
 * Whether text found away from any vehicle is coloured like a plate. Plates are dark characters
 * on white, grey or yellow, or light characters on black; street-name and direction signs are
 * white on green, blue, red or brown. The pixels of the box are split at their mean brightness;
 * the larger side is the background (strokes are thin), and it must be unsaturated or
 * plate-yellow, with ink that contrasts with it. Splitting by brightness rather than reading the
 * box's margin keeps a plate's blue band, or a sliver of car beside it, from deciding its colour.
 */
export function hasPlateColours(image: RgbImage, [x1, y1, x2, y2]: Box): boolean {
  const left = Math.max(0, Math.floor(x1));
  const top = Math.max(0, Math.floor(y1));
  const right = Math.min(image.width, Math.ceil(x2));
  const bottom = Math.min(image.height, Math.ceil(y2));
  if (right - left < 4 || bottom - top < 4) return false;
  const pixels: [number, number, number, number][] = [];
  let lumaSum = 0;
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const i = (y * image.width + x) * 3;
      const [r, g, b] = [image.data[i], image.data[i + 1], image.data[i + 2]];
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      lumaSum += luma;
      pixels.push([r, g, b, luma]);
    }
  }
  const mean = lumaSum / pixels.length;
  const bright = pixels.filter((p) => p[3] > mean);
  const dark = pixels.filter((p) => p[3] <= mean);
  const [background, ink] = bright.length >= dark.length ? [bright, dark] : [dark, bright];
  const average = (list: typeof pixels, c: number) => list.reduce((n, p) => n + p[c], 0) / Math.max(1, list.length);
  if (Math.abs(average(background, 3) - average(ink, 3)) < 60) return false;
  const saturations = background.map(([r, g, b]) => saturation(r, g, b)).sort((a, b) => a - b);
  if (saturations[Math.floor(saturations.length / 2)] < 0.3) return true;
  return isYellow(average(background, 0), average(background, 1), average(background, 2));
}

function saturation(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  return max > 0 ? (max - Math.min(r, g, b)) / max : 0;
}

function isYellow(r: number, g: number, b: number): boolean {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max < 140 || b !== min || max === min) return false;
  const hue = r === max ? 60 * ((g - b) / (max - min)) : 60 * (2 + (b - r) / (max - min));
  return hue >= 35 && hue <= 65;
}
