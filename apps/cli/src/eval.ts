import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { PipelineConfig } from '@imgpipe/config';
import { createImagePipeline } from '@imgpipe/inference';
import {
  EvaluatedCase,
  evaluatePrivacy,
  formatSummary,
  HARD_CASE_PHOTOS,
  HardCasePhotos,
  summarize,
} from '@imgpipe/inference/evaluation';
import { Args, Flags, single } from './args';

export const EVAL_FLAGS: Flags = { photos: 'value', out: 'value', 'held-out': 'switch' };

/**
 * `npm run eval:privacy`: the CLI's pipeline, with the configured policy and models, over the
 * privacy hard-case set built from the test photos; prints recall by size, collateral and speed.
 * With `--out <dir>` it also writes every processed image, each truth box outlined: green where
 * the face or plate counts as hidden, red where it does not. With `--held-out` it runs the held-out
 * variant of the set instead, whose cases no constant of the pipeline was chosen on.
 */
export async function runEval(config: PipelineConfig, args: Args): Promise<number> {
  const dir = resolve(single(args, 'photos') ?? join(process.cwd(), '.cache/photos'));
  const photos = Object.fromEntries(HARD_CASE_PHOTOS.map((name) => [name, join(dir, name)])) as HardCasePhotos;
  const pipeline = await createImagePipeline(config);
  try {
    const out = single(args, 'out');
    if (out) mkdirSync(resolve(out), { recursive: true });
    const writes: Promise<void>[] = [];
    const results = await evaluatePrivacy(pipeline, photos, {
      variant: args['held-out'] ? 'held-out' : 'tuning',
      onCase: out ? (done) => writes.push(writeOutlined(done, resolve(out), writes.length + 1)) : undefined,
    });
    await Promise.all(writes);
    console.log(formatSummary(summarize(results.map((r) => r.score)), results.length));
  } finally {
    await pipeline.dispose();
  }
  return 0;
}

/** The processed image as a JPEG, with each truth box outlined by whether it counts as hidden. */
async function writeOutlined({ output, score }: EvaluatedCase, dir: string, index: number): Promise<void> {
  const { width, height } = output;
  const rects = score.regions.map(({ box: [x1, y1, x2, y2], hidden }) => {
    const colour = hidden ? '#00c853' : '#ff1744';
    return `<rect x="${x1 - 2}" y="${y1 - 2}" width="${x2 - x1 + 4}" height="${y2 - y1 + 4}" fill="none" stroke="${colour}" stroke-width="2"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rects.join('')}</svg>`;
  const slug = score.name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
  await sharp(output.processed)
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 85 })
    .toFile(join(dir, `${String(index).padStart(2, '0')}-${slug}.jpg`));
}
