import { Logger } from '@nestjs/common';
import { PipelineConfig } from '@imgpipe/config';
import { ImagePipeline, createImagePipeline } from '@imgpipe/inference';

export const PIPELINE = Symbol('PIPELINE');

/**
 * Loads and verifies every model before the worker takes a job. A missing or tampered model
 * stops the worker with the reason: it never consumes jobs it cannot blur, so they wait in the
 * queue for a worker that can.
 */
export async function createPipeline(config: PipelineConfig): Promise<ImagePipeline> {
  const pipeline = await createImagePipeline(config);
  const logger = new Logger('Models');
  for (const model of pipeline.modelInfos) logger.log({ message: 'model loaded', ...model });
  return pipeline;
}
