import { Box } from '@imgpipe/contracts';

/** One model output as the decoders read it: onnxruntime's dims and float data. */
export interface OutputTensor {
  dims: readonly number[];
  data: Float32Array;
}

/** A decoded box before NMS, in pixels of the model input (letterboxed). */
export interface Candidate {
  box: Box;
  score: number;
  classId: number;
}

/**
 * The best of `count` class scores stored `step` apart from `offset`. Every decoder keeps one class per
 * anchor, as Ultralytics does by default, so one object never comes back as two labels.
 */
export function bestClass(
  data: Float32Array,
  offset: number,
  count: number,
  step = 1,
): { classId: number; score: number } {
  let classId = 0;
  let score = data[offset];
  for (let c = 1; c < count; c++) {
    const s = data[offset + c * step];
    if (s > score) {
      score = s;
      classId = c;
    }
  }
  return { classId, score };
}
