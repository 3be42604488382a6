import { BlurMetadata, DetectionMetadata, ImageFormat } from '@imgpipe/contracts';
import { decodeImage, encodeImage } from './image-codec';

export interface PipelineOptions {
  jpegQuality: number;
  maxPixels: number;
}

export interface PipelineOutput {
  processed: Buffer;
  width: number;
  height: number;
  orientation: number;
  blur_metadata: BlurMetadata;
  detection_metadata: DetectionMetadata;
  timings_ms: Record<string, number>;
}

/** Recorded in every job's metadata; bumped when the pipeline's output changes. */
export const PIPELINE_VERSION = '0.1.0';

const NO_MODELS_NOTE =
  'no privacy or detection model is installed in this build: the image was decoded, auto-oriented and re-encoded only';

/**
 * Decode once, run the stages on the same pixels, encode once. The model stages are not part
 * of this build yet; their sections say so rather than report anything they did not find.
 */
export class ImagePipeline {
  constructor(private readonly options: PipelineOptions) {}

  async process(input: Buffer, format: ImageFormat): Promise<PipelineOutput> {
    const timings: Record<string, number> = {};
    const image = await timed(timings, 'decode', () => decodeImage(input, this.options.maxPixels));
    const processed = await timed(timings, 'encode', () =>
      encodeImage(image, format, { jpegQuality: this.options.jpegQuality }),
    );
    return {
      processed,
      width: image.width,
      height: image.height,
      orientation: image.orientation,
      blur_metadata: {
        state: 'not_run',
        note: NO_MODELS_NOTE,
        regions: [],
        method: null,
        policy: null,
        verification: { rechecked: false, residual: 0 },
        models: [],
        timings_ms: {},
      },
      detection_metadata: { state: 'not_run', note: NO_MODELS_NOTE, objects: [], model: null, timings_ms: {} },
      timings_ms: timings,
    };
  }
}

async function timed<T>(timings: Record<string, number>, stage: string, work: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    timings[stage] = Number(process.hrtime.bigint() - start) / 1e6;
  }
}
