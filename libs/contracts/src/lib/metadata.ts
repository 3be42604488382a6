import { ImageFormat } from './images';
import { BlurMethod, BlurPolicy } from './policy';

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

export interface BlurMetadata {
  regions: BlurRegion[];
  method: BlurMethod;
  /** The policy the job ran with: defaults overlaid with the upload's override. */
  policy: BlurPolicy;
  /** The face detector runs again on the blurred image; what it still finds is blurred again. */
  /**
   * The blurred image was searched again for faces and plates in and around every blurred region;
   * what was found (`residual`, by kind in `residual_faces` and `residual_plates`) was blurred again.
   */
  verification: { rechecked: boolean; residual: number; residual_faces: number; residual_plates: number };
  models: ModelInfo[];
  /**
   * `reencoded`: the processed image was encoded from the blurred pixels. `metadata-stripped`:
   * nothing was blurred, so it is the original's own bytes with all metadata but the ICC profile
   * removed. Absent in metadata written before pipeline 0.5.0.
   */
  output?: 'reencoded' | 'metadata-stripped';
  timings_ms: Record<string, number>;
}

export interface DetectedObject {
  label: string;
  score: number;
  box: Box;
}

export interface DetectionMetadata {
  objects: DetectedObject[];
  model: ModelInfo;
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
  /** When the unblurred original is deleted (ORIGINALS_RETENTION_HOURS after completion); null: it is kept. */
  original_delete_at?: string | null;
}
