import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineConfig } from '@imgpipe/config';
import { IMAGE_EXTENSIONS, sniffImageFormat, validatePolicyOverride } from '@imgpipe/contracts';
import { PIPELINE_VERSION, createImagePipeline, imageFacts } from '@imgpipe/inference';
import { Args, Flags, positiveInt, single } from './args';
import { listInputs } from './inputs';
import { Progress } from './progress';
import { WorkSource, listSource, parentSource } from './work-source';

export const PROCESS_FLAGS: Flags = {
  input: 'value',
  output: 'value',
  policy: 'value',
  concurrency: 'value',
  'inputs-from-parent': 'switch',
};

/**
 * `npm run process`: the worker's pipeline in this process, folder in, folder out. No Redis, no S3.
 * With --inputs-from-parent instead of --input, the parent process hands out the images (the bench).
 */
export async function runProcess(config: PipelineConfig, args: Args): Promise<number> {
  const inputs = [...(args['input'] ?? []), ...(args['_'] ?? [])];
  const fromParent = args['inputs-from-parent'] !== undefined;
  const output = single(args, 'output');
  if ((inputs.length === 0 && !fromParent) || !output)
    throw new Error('--input <dir or files...> and --output <dir> are required');
  const policyJson = single(args, 'policy');
  const policy = policyJson ? validatePolicyOverride(JSON.parse(policyJson)) : undefined;
  const concurrency = positiveInt(args, 'concurrency', 2);

  let source: WorkSource;
  if (fromParent) {
    source = parentSource();
  } else {
    const files = listInputs(inputs);
    if (files.length === 0) throw new Error(`no JPEG, PNG or WebP files in ${inputs.join(', ')}`);
    source = listSource(files);
  }
  const outDir = resolve(output);
  mkdirSync(outDir, { recursive: true });

  const pipeline = await createImagePipeline(config);

  const totals = { images: 0, failed: 0, faces: 0, plates: 0, objects: 0 };
  const progress = source.total === undefined ? undefined : new Progress(source.total);
  const started = Date.now();
  const workerLoop = async () => {
    for (let item = await source.next(); item; item = await source.next()) {
      const { file, stem } = item;
      let ok = false;
      try {
        const original = readFileSync(file);
        const format = sniffImageFormat(original.subarray(0, 16));
        if (!format) throw new Error('not a JPEG, PNG or WebP image');
        const out = await pipeline.process(original, format, policy);
        writeFileSync(join(outDir, `${stem}.${IMAGE_EXTENSIONS[format]}`), out.processed);
        const regions = out.blur_metadata.regions;
        writeFileSync(
          join(outDir, `${stem}.json`),
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
        ok = true;
      } catch (err) {
        totals.failed += 1;
        const message = `${file}: ${(err as Error).message}`;
        if (progress) progress.note(message);
        else process.stderr.write(`${message}\n`);
      }
      source.finished(item, ok);
      progress?.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, source.total ?? concurrency) }, workerLoop));
  await pipeline.dispose();
  progress?.done();

  const seconds = (Date.now() - started) / 1000;
  console.log(
    `images ${totals.images}, failed ${totals.failed}, faces ${totals.faces}, plates ${totals.plates}, ` +
      `objects ${totals.objects}, ${(totals.images / seconds).toFixed(2)} images/s (${seconds.toFixed(1)} s) -> ${outDir}`,
  );
  return totals.failed > 0 ? 1 : 0;
}
