import { PipelineConfig } from '@imgpipe/config';
import { ImagePipeline } from '@imgpipe/inference';

export const PIPELINE = Symbol('PIPELINE');

export function createPipeline(config: PipelineConfig): ImagePipeline {
  return new ImagePipeline({ jpegQuality: config.jpegQuality, maxPixels: config.maxImagePixels });
}
