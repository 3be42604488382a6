import { ModelInfo } from '@imgpipe/contracts';
import { InputTensorSpec, toInputTensor, toSourceBox } from '../geometry/letterbox';
import { nms } from '../geometry/nms';
import { createOnnxSession, ort } from '../onnx/session';
import { ObjectDetection, RgbImage } from '../types';
import { Candidate, OutputTensor } from './candidate';
import { COCO_LABELS } from './coco-labels';
import { decodeNanoDet, matchNanoDetHeads, nanodetInputSpec } from './nanodet';
import {
  decodeEnd2End,
  decodeYoloV5,
  decodeYoloV8,
  recogniseYoloOutput,
  YOLO_DEFAULT_INPUT_SIZE,
  yoloInputSpec,
  YoloLayout,
} from './yolo';

export type DetectorLayout = 'nanodet' | YoloLayout;

export interface ObjectDetectorOptions {
  intraOpThreads?: number;
  /** Names of the model's classes by id; COCO's 80 when omitted. A single-class plate model passes `['plate']`. */
  labels?: readonly string[];
}

export interface DetectOptions {
  /** Detections must score above this. */
  scoreThreshold: number;
  /** Same-class boxes overlapping a better one by more than this are dropped; 0.45 when omitted. */
  iouThreshold?: number;
  /** Keep only these labels (each must be one of `labels`); every label when omitted. */
  classes?: readonly string[];
  /** 300 (Ultralytics' default) when omitted. */
  maxDetections?: number;
}

/** The model's inputs or outputs are not a layout any decoder here reads. */
export class UnsupportedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}

type Decode = (outputs: Record<string, OutputTensor>, scoreThreshold: number) => Candidate[];

interface Plan {
  layout: DetectorLayout;
  /** Classes the outputs score; null when only the data says (end-to-end class ids). */
  classes: number | null;
  input: InputTensorSpec;
  decode: Decode;
}

interface OutputShape {
  name: string;
  dims: number[];
}

const DEFAULT_IOU_THRESHOLD = 0.45;
const DEFAULT_MAX_DETECTIONS = 300;

/**
 * Finds objects with NanoDet or a user's YOLO export. Which decoder applies is read from the output
 * shapes once, when the model is loaded, so a wrong `DETECTOR_MODEL` fails at start-up, not per image.
 */
export class ObjectDetector {
  readonly layout: DetectorLayout;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly plan: Plan,
    /** Class names by id, so configuration can check a class filter once at start-up. */
    readonly labels: readonly string[],
    readonly info: ModelInfo,
  ) {
    this.layout = plan.layout;
  }

  static async create(path: string, info: ModelInfo, options: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
    const session = await createOnnxSession(path, { intraOpThreads: options.intraOpThreads });
    try {
      const input = describeInput(session, path);
      const outputs = await outputShapes(session, input, path);
      const plan = planFor(outputs, input.width, input.height, path);
      const labels = options.labels ?? COCO_LABELS;
      if (plan.classes !== null && plan.classes !== labels.length) {
        throw new UnsupportedModelError(
          `${path} scores ${plan.classes} classes but ${labels.length} labels were given` +
            (options.labels ? '' : ' (COCO by default)') +
            ': pass the labels the model was trained with',
        );
      }
      return new ObjectDetector(session, input.name, plan, labels, info);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async detect(image: RgbImage, options: DetectOptions): Promise<ObjectDetection[]> {
    const wanted = this.classIds(options.classes);
    const tensor = await toInputTensor(image, this.plan.input);
    const results = await this.session.run({
      [this.inputName]: new ort.Tensor('float32', tensor.data, tensor.dims),
    });
    const outputs: Record<string, OutputTensor> = {};
    for (const [name, value] of Object.entries(results)) {
      outputs[name] = { dims: value.dims, data: value.data as Float32Array };
    }
    const candidates = this.plan
      .decode(outputs, options.scoreThreshold)
      .filter((c) => (wanted ? wanted.has(c.classId) : true));
    const kept = nms(candidates, options.iouThreshold ?? DEFAULT_IOU_THRESHOLD, (c) => c.classId);
    return kept.slice(0, options.maxDetections ?? DEFAULT_MAX_DETECTIONS).map((c) => ({
      box: toSourceBox(c.box, tensor.geometry),
      score: c.score,
      classId: c.classId,
      label: this.labels[c.classId] ?? `class ${c.classId}`,
    }));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  /** A misspelt label would silently filter everything out, so unknown labels are refused. */
  private classIds(classes: readonly string[] | undefined): Set<number> | null {
    if (!classes) return null;
    const unknown = classes.filter((c) => !this.labels.includes(c));
    if (unknown.length > 0) {
      throw new Error(`unknown class label(s) ${unknown.join(', ')}; this model knows ${this.labels.join(', ')}`);
    }
    return new Set(classes.map((c) => this.labels.indexOf(c)));
  }
}

function describeInput(session: ort.InferenceSession, path: string): { name: string; width: number; height: number } {
  const meta = session.inputMetadata;
  const input = meta[0];
  if (meta.length !== 1 || !input.isTensor || input.type !== 'float32') {
    throw new UnsupportedModelError(`${path} must take one float32 image tensor; it takes ${describe(meta)}`);
  }
  const [, channels, height, width] = input.shape;
  if (input.shape.length !== 4 || (typeof channels === 'number' && channels !== 3)) {
    throw new UnsupportedModelError(`${path} must take an NCHW [1,3,H,W] image; it takes ${describe(meta)}`);
  }
  const size = (v: number | string) => (typeof v === 'number' && v > 0 ? v : YOLO_DEFAULT_INPUT_SIZE);
  return { name: input.name, width: size(width), height: size(height) };
}

/** Output shapes from the model's metadata; one run on a blank image when some of them are symbolic. */
async function outputShapes(
  session: ort.InferenceSession,
  input: { name: string; width: number; height: number },
  path: string,
): Promise<OutputShape[]> {
  const meta = session.outputMetadata;
  if (meta.some((m) => !m.isTensor || m.type !== 'float32')) {
    throw new UnsupportedModelError(`${path} must output float32 tensors; it outputs ${describe(meta)}`);
  }
  const known = meta.every((m) => m.isTensor && m.shape.length > 0 && m.shape.every((d) => typeof d === 'number'));
  if (known) {
    return meta.map((m) => ({ name: m.name, dims: m.isTensor ? (m.shape as number[]) : [] }));
  }
  const blank = new ort.Tensor('float32', new Float32Array(3 * input.width * input.height), [
    1,
    3,
    input.height,
    input.width,
  ]);
  const results = await session.run({ [input.name]: blank });
  return session.outputNames.map((name) => ({ name, dims: [...results[name].dims] }));
}

function planFor(outputs: OutputShape[], width: number, height: number, path: string): Plan {
  const nanodet = matchNanoDetHeads(outputs, width, height);
  if (nanodet) {
    return {
      layout: 'nanodet',
      classes: nanodet.classes,
      input: nanodetInputSpec(width, height),
      decode: (o, threshold) =>
        decodeNanoDet(
          nanodet.levels.map((l) => ({ ...l, scores: o[l.scores], distances: o[l.distances] })),
          threshold,
        ),
    };
  }
  // Ultralytics exports put the decoded head first; older YOLOv5 exports add the raw grids after it.
  const first = outputs[0];
  const yolo = first ? recogniseYoloOutput(first.dims, width, height) : null;
  if (!yolo) {
    throw new UnsupportedModelError(
      `cannot tell how to decode ${path}: its outputs are ${outputs.map((o) => `${o.name} [${o.dims.join(',')}]`).join(', ')}; ` +
        'expected NanoDet ([1,N,C] scores with [1,N,44] distributions per stride), YOLOv5 [1,A,5+C], ' +
        'YOLOv8/YOLO11 [1,4+C,A] or end-to-end [1,N,6]',
    );
  }
  const decoders: Record<YoloLayout, (output: OutputTensor, threshold: number) => Candidate[]> = {
    yolov5: decodeYoloV5,
    yolov8: decodeYoloV8,
    end2end: decodeEnd2End,
  };
  const decode = decoders[yolo.layout];
  return {
    layout: yolo.layout,
    classes: yolo.classes,
    input: yoloInputSpec(width, height),
    decode: (o, threshold) => decode(o[first.name], threshold),
  };
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): string {
  return (
    meta
      .map((m) => (m.isTensor ? `${m.name} ${m.type} [${m.shape.join(',')}]` : `${m.name} (not a tensor)`))
      .join(', ') || 'nothing'
  );
}
