import { ImageFormat, sniffImageFormat } from '@imgpipe/contracts';
import { ImagePipeline, PipelineOutput } from '../image-pipeline';
import { buildHardCases, HardCase, HardCaseGroup, HardCasePhotos, HardCaseVariant } from './hard-cases';
import { CaseScore, scoreCase } from './privacy-score';

export interface EvaluatedCase {
  hardCase: HardCase;
  output: PipelineOutput;
  score: CaseScore;
}

/** Runs the pipeline over every case of the hard-case set, one at a time, and scores each. */
export async function evaluatePrivacy(
  pipeline: ImagePipeline,
  photos: HardCasePhotos,
  options: {
    groups?: readonly HardCaseGroup[];
    variant?: HardCaseVariant;
    onCase?: (done: EvaluatedCase) => void;
  } = {},
): Promise<EvaluatedCase[]> {
  const { groups, variant, onCase } = options;
  const cases = (await buildHardCases(photos, variant)).filter((c) => !groups || groups.includes(c.group));
  const results: EvaluatedCase[] = [];
  for (const hardCase of cases) {
    const format = sniffImageFormat(hardCase.image.subarray(0, 16)) as ImageFormat;
    const start = process.hrtime.bigint();
    const output = await pipeline.process(hardCase.image, format);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const result = { hardCase, output, score: await scoreCase(hardCase, output.processed, ms) };
    onCase?.(result);
    results.push(result);
  }
  return results;
}
