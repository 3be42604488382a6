import { basename } from 'node:path';
import { ModelInfo } from '@imgpipe/contracts';
import { ObjectDetector } from './detectors/object-detector';
import { FaceDetector } from './faces/blazeface';
import { SsdFaceDetector } from './faces/ssd-face-detector';
import { PlateDetector } from './plates/text-detector';
import { VerifiedModel, loadVerifiedModel, sha256File } from './models/model-files';
import type { PipelineConfig } from '@imgpipe/config';
import { ImagePipeline, PipelineModels } from './image-pipeline';

export interface ModelLoadOptions {
  modelsDir: string;
  /** A user's YOLO export replacing NanoDet. */
  detectorModel?: string;
  /** Its class names by id; COCO's 80 when omitted. */
  detectorLabels?: readonly string[];
  /** A user's single-class YOLO plate model, run beside text detection. */
  plateModel?: string;
  onnxThreads: number;
  /** Also load the SSD face detector and run it over tiles. */
  thoroughFaceSearch?: boolean;
}

const DEFAULT_DETECTOR = 'nanodet-g';
const FACE_MODEL = 'blazeface-back-256';
const SMALL_FACE_MODEL = 'ssd-mobilenetv1-face';
const TEXT_MODEL = 'ppocr-v4-det';

/**
 * Verifies every pinned model against its sha256 and opens one session per model. User-supplied
 * files have no pin: their sha256 is computed and recorded in each job's metadata instead.
 */
export async function loadPipelineModels(options: ModelLoadOptions): Promise<PipelineModels> {
  const threads = { intraOpThreads: options.onnxThreads };
  const [faces, smallFaces, text] = await Promise.all([
    loadVerifiedModel(options.modelsDir, FACE_MODEL),
    options.thoroughFaceSearch ? loadVerifiedModel(options.modelsDir, SMALL_FACE_MODEL) : undefined,
    loadVerifiedModel(options.modelsDir, TEXT_MODEL),
  ]);
  const objects = options.detectorModel
    ? await ObjectDetector.create(options.detectorModel, await userModelInfo(options.detectorModel), {
        ...threads,
        labels: options.detectorLabels,
      })
    : await loadVerifiedModel(options.modelsDir, DEFAULT_DETECTOR).then((m) =>
        ObjectDetector.create(m.path, infoOf(m), threads),
      );
  const plateModel = options.plateModel
    ? await ObjectDetector.create(options.plateModel, await userModelInfo(options.plateModel), {
        ...threads,
        labels: ['plate'],
      })
    : undefined;
  return {
    objects,
    faces: await FaceDetector.create(faces.path, infoOf(faces), threads),
    smallFaces: smallFaces && (await SsdFaceDetector.create(smallFaces.path, infoOf(smallFaces), threads)),
    plates: await PlateDetector.create(text.path, infoOf(text), threads),
    plateModel,
  };
}

function infoOf(model: VerifiedModel): ModelInfo {
  return { name: model.entry.name, version: model.entry.version, sha256: model.sha256 };
}

async function userModelInfo(path: string): Promise<ModelInfo> {
  return { name: basename(path, '.onnx'), version: 'user-supplied', sha256: await sha256File(path) };
}

/** The pipeline as the worker and the CLI run it: verified models, the configured policy and limits. */
export async function createImagePipeline(config: PipelineConfig): Promise<ImagePipeline> {
  return new ImagePipeline(await loadPipelineModels(config), {
    jpegQuality: config.jpegQuality,
    maxPixels: config.maxImagePixels,
    defaultPolicy: config.policy,
    detection: config.detection,
  });
}
