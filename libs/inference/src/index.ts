export {
  ImagePipeline,
  PIPELINE_VERSION,
  type PipelineModels,
  type PipelineOptions,
  type PipelineOutput,
} from './lib/image-pipeline';
export { createImagePipeline, loadPipelineModels, type ModelLoadOptions } from './lib/model-loader';
export { imageFacts, sha256 } from './lib/image-facts';
export {
  decodeImage,
  encodeImage,
  rgbView,
  InvalidImageError,
  type DecodedImage,
  type EncodeOptions,
} from './lib/image-codec';
export { blurRegions, blurScale, type BlurOptions, type BlurShape, type ShapedRegion } from './lib/privacy/blur';
export {
  ObjectDetector,
  UnsupportedModelError,
  type DetectorLayout,
  type DetectOptions,
  type ObjectDetectorOptions,
} from './lib/detectors/object-detector';
export { COCO_LABELS } from './lib/detectors/coco-labels';
export { FaceDetector, type FaceDetectOptions } from './lib/faces/blazeface';
export {
  SsdFaceDetector,
  DEFAULT_SSD_FACE_SCORE_THRESHOLD,
  type SsdFaceDetectOptions,
  type SsdFaceDetectorOptions,
} from './lib/faces/ssd-face-detector';
export { headAreaOf, facesMissingIn } from './lib/faces/head-fallback';
export { PlateDetector, type PlateDetectOptions } from './lib/plates/text-detector';
export {
  MODEL_MANIFEST,
  manifestEntry,
  type ModelManifestEntry,
  type ModelSource,
  type ModelTask,
} from './lib/models/manifest';
export {
  loadVerifiedModel,
  verifyModelFile,
  sha256File,
  ModelIntegrityError,
  ModelMissingError,
  type VerifiedModel,
} from './lib/models/model-files';
export {
  letterbox,
  toInputTensor,
  toSourceBox,
  type InputFit,
  type InputTensor,
  type InputTensorSpec,
  type Letterbox,
} from './lib/geometry/letterbox';
export type { RgbImage, ObjectDetection, FaceDetection, TextRegion } from './lib/types';
