import { join, resolve } from 'node:path';
import { PipelineConfig } from '@imgpipe/config';
import { createImagePipeline } from '@imgpipe/inference';
import {
  evaluatePrivacy,
  formatSummary,
  HARD_CASE_PHOTOS,
  HardCasePhotos,
  summarize,
} from '@imgpipe/inference/evaluation';
import { Args, Flags, single } from './args';

export const EVAL_FLAGS: Flags = { photos: 'value' };

/**
 * `npm run eval:privacy`: the CLI's pipeline, with the configured policy and models, over the
 * privacy hard-case set built from the test photos; prints recall by size, collateral and speed.
 */
export async function runEval(config: PipelineConfig, args: Args): Promise<number> {
  const dir = resolve(single(args, 'photos') ?? join(process.cwd(), '.cache/photos'));
  const photos = Object.fromEntries(HARD_CASE_PHOTOS.map((name) => [name, join(dir, name)])) as HardCasePhotos;
  const pipeline = await createImagePipeline(config);
  try {
    const results = await evaluatePrivacy(pipeline, photos);
    console.log(formatSummary(summarize(results.map((r) => r.score)), results.length));
  } finally {
    await pipeline.dispose();
  }
  return 0;
}
