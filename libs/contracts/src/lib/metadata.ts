import { ImageFormat } from './images';

/** A box in pixels of the auto-oriented original: [x1, y1, x2, y2]. */
export type Box = [number, number, number, number];

export interface ModelInfo {
  name: string;
  version: string;
  sha256: string;
}

export type RegionKind = 'face' | 'plate';

export interface BlurRegion {
  kind: RegionKind;
  box: Box;
  score: number;
  /** Which detector or rule produced the region (e.g. `blazeface`, `person-head-fallback`). */
  source: string;
}

/**
 * Whether the privacy stage ran. `not_run` means no privacy model is installed in this build:
 * the processed image is only decoded, auto-oriented and re-encoded, and `note` says so.
 */
export type StageState = 'applied' | 'not_run';

export interface BlurMetadata {
  state: StageState;
  note?: string;
  regions: BlurRegion[];
  method: string | null;
  policy: Record<string, unknown> | null;
  verification: { rechecked: boolean; residual: number };
  models: ModelInfo[];
  timings_ms: Record<string, number>;
}

export interface DetectedObject {
  label: string;
  score: number;
  box: Box;
}

export interface DetectionMetadata {
  state: StageState;
  note?: string;
  objects: DetectedObject[];
  model: ModelInfo | null;
  timings_ms: Record<string, number>;
}

export interface ImageFacts {
  width: number;
  height: number;
  format: ImageFormat;
  /** EXIF orientation of the original (1 when absent); the processed image is stored upright. */
  orientation: number;
  sha256_original: string;
  sha256_processed: string;
  bytes_original: number;
  bytes_processed: number;
}

/** The document stored at `metadata/{job_id}.json`. */
export interface JobMetadata {
  job_id: string;
  filename: string;
  image: ImageFacts;
  blur_metadata: BlurMetadata;
  detection_metadata: DetectionMetadata;
  /** Milliseconds per pipeline stage (decode, encode, store, ...). */
  timings_ms: Record<string, number>;
  pipeline: { version: string; worker_id: string };
  submitted_at: string;
  completed_at: string;
}
