import { Box } from '@imgpipe/contracts';

/** Upright RGB pixels, interleaved (HWC), 8 bits per channel: what every detector reads. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An object found by a detector, in pixels of the image it was given. */
export interface ObjectDetection {
  box: Box;
  score: number;
  classId: number;
  /** COCO label (or the model's own label for user-supplied single-class models). */
  label: string;
}

export interface FaceDetection {
  box: Box;
  score: number;
  /** BlazeFace's six keypoints (eyes, nose, mouth, ears) in pixels, when the model gives them. */
  keypoints?: [number, number][];
}

export interface TextRegion {
  box: Box;
  score: number;
}
