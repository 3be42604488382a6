import { IMAGE_EXTENSIONS, ImageFormat } from './images';

/** Every unblurred upload lives under this prefix, and only there (see S3_ORIGINALS_BUCKET). */
export const ORIGINALS_PREFIX = 'original/';

/**
 * Object keys, identical in S3 and on the local disk. Built only from the job id and the sniffed
 * format: client filenames never reach a key.
 */
export const storageKeys = {
  original: (jobId: string, format: ImageFormat) => `${ORIGINALS_PREFIX}${jobId}.${IMAGE_EXTENSIONS[format]}`,
  processed: (jobId: string, format: ImageFormat) => `processed/${jobId}.${IMAGE_EXTENSIONS[format]}`,
  metadata: (jobId: string) => `metadata/${jobId}.json`,
};

export const RESULT_KINDS = ['original', 'processed', 'metadata'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];
