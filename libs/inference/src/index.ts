export { ImagePipeline, PIPELINE_VERSION, type PipelineOptions, type PipelineOutput } from './lib/image-pipeline';
export { decodeImage, encodeImage, InvalidImageError, type DecodedImage, type EncodeOptions } from './lib/image-codec';
