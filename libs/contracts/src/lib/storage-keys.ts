import { IMAGE_EXTENSIONS, ImageFormat } from './images';

/**
 * Object keys, identical in S3 and on the local disk. Built only from the job id and the sniffed
 * format: client filenames never reach a key.
 */
export const storageKeys = {
  original: (jobId: string, format: ImageFormat) => `original/${jobId}.${IMAGE_EXTENSIONS[format]}`,
  processed: (jobId: string, format: ImageFormat) => `processed/${jobId}.${IMAGE_EXTENSIONS[format]}`,
  metadata: (jobId: string) => `metadata/${jobId}.json`,
};

export const RESULT_KINDS = ['original', 'processed', 'metadata'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];
