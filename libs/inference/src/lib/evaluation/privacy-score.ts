import sharp from 'sharp';
import { expandBox } from '../geometry/box';
import { BLUR_MIN_DROP, leastDropOverHalves } from '../testing/laplacian';
import { HardCase, HardCaseGroup, TruthRegion } from './hard-cases';

/**
 * How the hard-case set is scored. A face or plate counts as hidden when its detail (variance of
 * the Laplacian) dropped by BLUR_MIN_DROP over its whole truth box and over each half of it
 * (top, bottom, left, right), so a blur that stops above the mouth, or covers one side of a
 * plate, is a miss however much of the box it covered.
 */
export interface RegionScore extends TruthRegion {
  hidden: boolean;
  /** The least drop of the whole box and its halves. */
  drop: number;
}

export interface CaseScore {
  name: string;
  group: HardCaseGroup;
  regions: RegionScore[];
  /** Pixels changed outside the allowed zone around the truth boxes, and all pixels. */
  collateralPixels: number;
  pixels: number;
  ms: number;
}

/** A blur may reach this far around a truth box (hair, ears and neck; a plate's mount) without counting as collateral. */
export const ALLOWED_GROWTH = 1.5;
/** A pixel counts as changed when a channel moved by more than this (re-encoding a JPEG moves a few levels). */
export const CHANGED_LEVELS = 24;

export async function scoreCase(hardCase: HardCase, processed: Buffer, ms: number): Promise<CaseScore> {
  const [before, after] = await Promise.all([rgb(hardCase.image), rgb(processed)]);
  if (before.width !== after.width || before.height !== after.height) {
    throw new Error(
      `${hardCase.name}: processed image is ${after.width}x${after.height}, not ${before.width}x${before.height}`,
    );
  }
  const regions = hardCase.truth.map((t) => {
    const drop = leastDropOverHalves(before, after, t.box);
    return { ...t, drop, hidden: drop >= BLUR_MIN_DROP };
  });
  const allowed = hardCase.truth.map((t) => expandBox(t.box, ALLOWED_GROWTH, before.width, before.height));
  let collateral = 0;
  for (let y = 0; y < before.height; y++) {
    for (let x = 0; x < before.width; x++) {
      const i = (y * before.width + x) * 3;
      const moved = Math.max(
        Math.abs(before.data[i] - after.data[i]),
        Math.abs(before.data[i + 1] - after.data[i + 1]),
        Math.abs(before.data[i + 2] - after.data[i + 2]),
      );
      if (moved > CHANGED_LEVELS && !allowed.some((b) => x >= b[0] && x < b[2] && y >= b[1] && y < b[3])) collateral++;
    }
  }
  return {
    name: hardCase.name,
    group: hardCase.group,
    regions,
    collateralPixels: collateral,
    pixels: before.width * before.height,
    ms,
  };
}

export const FACE_BUCKETS: readonly [string, number, number][] = [
  ['<16', 0, 16],
  ['16-24', 16, 24],
  ['24-48', 24, 48],
  ['48-96', 48, 96],
  ['>=96', 96, Infinity],
];
export const PLATE_BUCKETS: readonly [string, number, number][] = [
  ['<40', 0, 40],
  ['40-80', 40, 80],
  ['80-160', 80, 160],
  ['>=160', 160, Infinity],
];

export interface PrivacySummary {
  faces: Record<string, { found: number; total: number }>;
  plates: Record<string, { found: number; total: number }>;
  /** Recall of faces of 24 px and more, of 16-24 px, and of plates 40 px wide and more. */
  faceRecall24: number;
  faceRecall16to24: number;
  faceRecall: number;
  plateRecall: number;
  /** Percent of pixels changed outside the allowed zones, on the negatives and the portraits together. */
  collateralPct: number;
  collateralByGroup: Record<string, number>;
  msPerImage: number;
  misses: RegionScore[];
}

export function summarize(scores: CaseScore[]): PrivacySummary {
  const regions = scores.flatMap((s) => s.regions);
  const faces = regions.filter((r) => r.kind === 'face');
  const plates = regions.filter((r) => r.kind === 'plate');
  const bucketed = (list: RegionScore[], buckets: readonly [string, number, number][]) =>
    Object.fromEntries(
      buckets.map(([name, lo, hi]) => {
        const inBucket = list.filter((r) => r.size >= lo && r.size < hi);
        return [name, { found: inBucket.filter((r) => r.hidden).length, total: inBucket.length }];
      }),
    );
  const recall = (list: RegionScore[]) => (list.length ? list.filter((r) => r.hidden).length / list.length : 1);
  const collateralOf = (list: CaseScore[]) =>
    (100 * list.reduce((n, s) => n + s.collateralPixels, 0)) /
    Math.max(
      1,
      list.reduce((n, s) => n + s.pixels, 0),
    );
  const groups = [...new Set(scores.map((s) => s.group))];
  return {
    faces: bucketed(faces, FACE_BUCKETS),
    plates: bucketed(plates, PLATE_BUCKETS),
    faceRecall24: recall(faces.filter((r) => r.size >= 24)),
    faceRecall16to24: recall(faces.filter((r) => r.size >= 16 && r.size < 24)),
    faceRecall: recall(faces.filter((r) => r.size >= 16)),
    plateRecall: recall(plates.filter((r) => r.size >= 40)),
    collateralPct: collateralOf(scores.filter((s) => s.group === 'negative' || s.group === 'portrait')),
    collateralByGroup: Object.fromEntries(groups.map((g) => [g, collateralOf(scores.filter((s) => s.group === g))])),
    msPerImage: median(scores.map((s) => s.ms)),
    misses: regions.filter((r) => !r.hidden),
  };
}

/** The report `npm run eval:privacy` prints; its last line is the one to compare runs by. */
export function formatSummary(summary: PrivacySummary, cases: number): string {
  const lines: string[] = [`${cases} images`];
  const table = (title: string, buckets: Record<string, { found: number; total: number }>) => {
    lines.push(title);
    for (const [name, { found, total }] of Object.entries(buckets)) {
      const r = total ? (found / total).toFixed(2) : '-';
      lines.push(`  ${name.padEnd(8)} ${String(found).padStart(3)} / ${String(total).padEnd(3)} recall ${r}`);
    }
  };
  table('faces by height (px)', summary.faces);
  table('plates by visible width (px)', summary.plates);
  lines.push('collateral (% of pixels changed outside the truth boxes grown 1.5x)');
  for (const [group, pct] of Object.entries(summary.collateralByGroup))
    lines.push(`  ${group.padEnd(26)} ${pct.toFixed(2)} %`);
  if (summary.misses.length) {
    lines.push('missed');
    for (const m of summary.misses)
      lines.push(
        `  ${m.kind} ${Math.round(m.size)} px, ${m.what}, [${m.box.map(Math.round).join(', ')}], drop ${m.drop.toFixed(2)}`,
      );
  }
  lines.push(
    `targets: faces>=24 ${summary.faceRecall24.toFixed(3)} (0.95), faces 16-24 ${summary.faceRecall16to24.toFixed(3)} (0.8), ` +
      `plates>=40 ${summary.plateRecall.toFixed(3)} (0.9), collateral ${summary.collateralPct.toFixed(2)} % (2)`,
  );
  lines.push(
    `faces_recall=${summary.faceRecall.toFixed(3)} plates_recall=${summary.plateRecall.toFixed(3)} ` +
      `collateral_pct=${summary.collateralPct.toFixed(2)} ms_per_image=${summary.msPerImage.toFixed(1)}`,
  );
  return lines.join('\n');
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

async function rgb(encoded: Buffer): Promise<Raw> {
  const { data, info } = await sharp(encoded).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
}
