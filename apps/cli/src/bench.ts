import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineConfig } from '@imgpipe/config';
import { ImageFormat, percentile, sniffImageFormat } from '@imgpipe/contracts';
import { createImagePipeline } from '@imgpipe/inference';
import { Args, Flags, positiveInt, single } from './args';
import { listInputs } from './inputs';

const STAGES = ['decode', 'detect', 'faces', 'plates', 'blur', 'verify', 'encode'];

export const BENCH_FLAGS: Flags = { images: 'value', count: 'value', concurrency: 'value' };

/**
 * `npm run bench:models`: per-stage milliseconds and images/s of the whole pipeline in this one
 * process, on real photos. Sequential first (stage costs), then with `--concurrency` jobs in
 * flight (what one worker process sustains).
 */
export async function runBench(config: PipelineConfig, args: Args): Promise<number> {
  const dir = single(args, 'images') ?? join(process.cwd(), '.cache/photos');
  const count = positiveInt(args, 'count', 24);
  const concurrency = positiveInt(args, 'concurrency', 2);
  const files = listInputs([resolve(dir)]);
  if (files.length === 0) throw new Error(`no images in ${dir}`);
  const images = files.map((file) => {
    const bytes = readFileSync(file);
    return { bytes, format: sniffImageFormat(bytes.subarray(0, 16)) as ImageFormat };
  });

  const pipeline = await createImagePipeline(config);
  const run = (i: number) => pipeline.process(images[i % images.length].bytes, images[i % images.length].format);
  for (let i = 0; i < Math.min(2, images.length); i++) await run(i);

  const perStage: Record<string, number[]> = Object.fromEntries(STAGES.map((s) => [s, []]));
  const totals: number[] = [];
  let started = Date.now();
  for (let i = 0; i < count; i++) {
    const t0 = Date.now();
    const out = await run(i);
    totals.push(Date.now() - t0);
    for (const stage of STAGES) perStage[stage].push(out.timings_ms[stage] ?? 0);
  }
  const sequentialIps = count / ((Date.now() - started) / 1000);

  let next = 0;
  started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await run(i);
    }),
  );
  const concurrentIps = count / ((Date.now() - started) / 1000);
  await pipeline.dispose();

  console.log(`${count} images from ${dir} (${files.length} distinct), ONNX_THREADS=${config.onnxThreads}`);
  console.log('stage      median ms   p95 ms');
  for (const stage of [...STAGES, 'total']) {
    const values = stage === 'total' ? totals : perStage[stage];
    console.log(
      `${stage.padEnd(10)} ${median(values).toFixed(1).padStart(9)} ${(percentile(values, 95) ?? 0).toFixed(1).padStart(8)}`,
    );
  }
  console.log(`sequential: ${sequentialIps.toFixed(2)} images/s`);
  console.log(`concurrency ${concurrency}: ${concurrentIps.toFixed(2)} images/s`);
  console.log(`models_ips=${concurrentIps.toFixed(2)} sequential_ips=${sequentialIps.toFixed(2)}`);
  return 0;
}

const median = (values: number[]) => percentile(values, 50) ?? 0;
