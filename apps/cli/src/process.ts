import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineConfig } from '@imgpipe/config';
import { IMAGE_EXTENSIONS, sniffImageFormat, validatePolicyOverride } from '@imgpipe/contracts';
import { PIPELINE_VERSION, createImagePipeline, imageFacts } from '@imgpipe/inference';
import { Args, positiveInt, single } from './args';
import { listInputs, outputStems } from './inputs';
import { Progress } from './progress';

/** `npm run process`: the worker's pipeline in this process, folder in, folder out. No Redis, no S3. */
export async function runProcess(config: PipelineConfig, args: Args): Promise<number> {
  const inputs = args['input'] ?? [];
  const output = single(args, 'output');
  if (inputs.length === 0 || !output) throw new Error('--input <dir or files...> and --output <dir> are required');
  const policyJson = single(args, 'policy');
  const policy = policyJson ? validatePolicyOverride(JSON.parse(policyJson)) : undefined;
  const concurrency = positiveInt(args, 'concurrency', 2);

  const files = listInputs(inputs);
  if (files.length === 0) throw new Error(`no JPEG, PNG or WebP files in ${inputs.join(', ')}`);
  const stems = outputStems(files);
  const outDir = resolve(output);
  mkdirSync(outDir, { recursive: true });

  const pipeline = await createImagePipeline(config);

  const totals = { images: 0, failed: 0, faces: 0, plates: 0, objects: 0 };
  const progress = new Progress(files.length);
  const started = Date.now();
  let next = 0;
  const workerLoop = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i];
      try {
        const original = readFileSync(file);
        const format = sniffImageFormat(original.subarray(0, 16));
        if (!format) throw new Error('not a JPEG, PNG or WebP image');
        const out = await pipeline.process(original, format, policy);
        writeFileSync(join(outDir, `${stems[i]}.${IMAGE_EXTENSIONS[format]}`), out.processed);
        const regions = out.blur_metadata.regions;
        writeFileSync(
          join(outDir, `${stems[i]}.json`),
          JSON.stringify(
            {
              filename: file,
              image: imageFacts(original, out, format),
              blur_metadata: out.blur_metadata,
              detection_metadata: out.detection_metadata,
              timings_ms: out.timings_ms,
              pipeline: { version: PIPELINE_VERSION, worker_id: 'cli' },
            },
            null,
            2,
          ),
        );
        totals.images += 1;
        totals.faces += regions.filter((r) => r.kind === 'face').length;
        totals.plates += regions.filter((r) => r.kind === 'plate').length;
        totals.objects += out.detection_metadata.objects.length;
      } catch (err) {
        totals.failed += 1;
        progress.note(`${file}: ${(err as Error).message}`);
      }
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, workerLoop));
  await pipeline.dispose();
  progress.done();

  const seconds = (Date.now() - started) / 1000;
  console.log(
    `images ${totals.images}, failed ${totals.failed}, faces ${totals.faces}, plates ${totals.plates}, ` +
      `objects ${totals.objects}, ${(totals.images / seconds).toFixed(2)} images/s (${seconds.toFixed(1)} s) -> ${outDir}`,
  );
  return totals.failed > 0 ? 1 : 0;
}
