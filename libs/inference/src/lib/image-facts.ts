import { createHash } from 'node:crypto';
import { ImageFacts, ImageFormat } from '@imgpipe/contracts';
import { PipelineOutput } from './image-pipeline';

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The `image` section of a job's metadata: sizes and hashes of what went in and came out. */
export function imageFacts(original: Buffer, output: PipelineOutput, format: ImageFormat): ImageFacts {
  return {
    width: output.width,
    height: output.height,
    format,
    orientation: output.orientation,
    sha256_original: sha256(original),
    sha256_processed: sha256(output.processed),
    bytes_original: original.length,
    bytes_processed: output.processed.length,
  };
}
