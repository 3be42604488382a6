import { InputTensorSpec } from '../geometry/letterbox';
import { bestClass, Candidate, OutputTensor } from './candidate';

/** The output layouts of Ultralytics exports that users bring (`DETECTOR_MODEL`). */
export type YoloLayout = 'yolov5' | 'yolov8' | 'end2end';

export interface YoloOutput {
  layout: YoloLayout;
  anchors: number;
  /** Classes the output scores; null for end-to-end outputs, which carry a class id per row instead. */
  classes: number | null;
}

/** Ultralytics' export size, used when the model's input size is symbolic. */
export const YOLO_DEFAULT_INPUT_SIZE = 640;

/** Ultralytics preprocessing: RGB scaled to [0, 1], centred letterbox in grey 114. */
export function yoloInputSpec(width: number, height: number): InputTensorSpec {
  return {
    width,
    height,
    layout: 'nchw',
    channelOrder: 'rgb',
    mean: [0, 0, 0],
    std: [255, 255, 255],
    padValue: 114,
    fit: 'letterbox',
  };
}

/** Rows a YOLOv5 raw head emits for an input size: 3 anchors per cell at strides 8, 16 and 32. */
export function yoloV5AnchorCount(inputWidth: number, inputHeight: number): number {
  return [8, 16, 32].reduce((n, s) => n + 3 * Math.ceil(inputWidth / s) * Math.ceil(inputHeight / s), 0);
}

/**
 * Tells the layout from the output shape alone: `[1, A, 5 + C]` is YOLOv5 (rows longer than wide),
 * `[1, 4 + C, A]` is YOLOv8/YOLO11 (channels first), `[1, N, 6]` is an end-to-end export. A one-class
 * YOLOv5 head is also `[1, A, 6]`; it is told apart by A being exactly the v5 anchor count for the input.
 */
export function recogniseYoloOutput(
  dims: readonly number[],
  inputWidth: number,
  inputHeight: number,
): YoloOutput | null {
  if (dims.length !== 3 || dims[0] !== 1) return null;
  const [, rows, columns] = dims;
  if (columns === 6 && rows !== yoloV5AnchorCount(inputWidth, inputHeight)) {
    return { layout: 'end2end', anchors: rows, classes: null };
  }
  if (columns >= 6 && rows > columns) return { layout: 'yolov5', anchors: rows, classes: columns - 5 };
  if (rows >= 5 && columns > rows) return { layout: 'yolov8', anchors: columns, classes: rows - 4 };
  return null;
}

/** YOLOv5 raw rows: cx, cy, w, h, objectness, C class scores; score = objectness x class score. */
export function decodeYoloV5(output: OutputTensor, scoreThreshold: number): Candidate[] {
  const [, anchors, width] = output.dims;
  const classes = width - 5;
  const d = output.data;
  const out: Candidate[] = [];
  for (let a = 0; a < anchors; a++) {
    const row = a * width;
    const objectness = d[row + 4];
    if (objectness <= scoreThreshold) continue;
    const best = bestClass(d, row + 5, classes);
    const score = objectness * best.score;
    if (score > scoreThreshold)
      out.push({ box: fromCentre(d[row], d[row + 1], d[row + 2], d[row + 3]), score, classId: best.classId });
  }
  return out;
}

/** YOLOv8/YOLO11 raw, channels first: cx, cy, w, h, then C class scores, each a row of A anchors. */
export function decodeYoloV8(output: OutputTensor, scoreThreshold: number): Candidate[] {
  const [, channels, anchors] = output.dims;
  const classes = channels - 4;
  const d = output.data;
  const out: Candidate[] = [];
  for (let a = 0; a < anchors; a++) {
    const best = bestClass(d, 4 * anchors + a, classes, anchors);
    if (best.score > scoreThreshold) {
      const box = fromCentre(d[a], d[anchors + a], d[2 * anchors + a], d[3 * anchors + a]);
      out.push({ box, score: best.score, classId: best.classId });
    }
  }
  return out;
}

/** End-to-end rows: x1, y1, x2, y2, score, class id. Unused rows are zero, so they fall below any threshold. */
export function decodeEnd2End(output: OutputTensor, scoreThreshold: number): Candidate[] {
  const [, rows] = output.dims;
  const d = output.data;
  const out: Candidate[] = [];
  for (let r = 0; r < rows; r++) {
    const o = r * 6;
    if (d[o + 4] > scoreThreshold) {
      out.push({ box: [d[o], d[o + 1], d[o + 2], d[o + 3]], score: d[o + 4], classId: Math.round(d[o + 5]) });
    }
  }
  return out;
}

function fromCentre(cx: number, cy: number, w: number, h: number): Candidate['box'] {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}
