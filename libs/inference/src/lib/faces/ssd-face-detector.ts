import sharp, { type Region } from 'sharp';
import { ModelInfo } from '@imgpipe/contracts';
import { clampBox } from '../geometry/box';
import { letterbox, Letterbox } from '../geometry/letterbox';
import { createOnnxSession, ort, OnnxSessionOptions } from '../onnx/session';
import { FaceDetection, RgbImage } from '../types';
import { toImageBox, wholeImage } from './face-input';
import { decodeSsdFaces, SSD_DEFAULT_MAX_RESULTS, SSD_FACE_INPUT_SIZE, SsdAnchor, ssdAnchors } from './ssd-face-decode';

export interface SsdFaceDetectorOptions extends OnnxSessionOptions {
  /** Side of the square input when a call names none (default 512: face-api's, and its shipped anchors'). */
  inputSize?: number;
}

export interface SsdFaceDetectOptions {
  /** Faces scoring above this are kept (face-api's minConfidence; default 0.5). */
  scoreThreshold?: number;
  /** At most this many faces per call, best first (default 100, as face-api). */
  maxResults?: number;
  /**
   * Side of the square the image or region is scaled into: a multiple of 32, at least 320.
   * Smaller is faster (about 35 ms of CPU at 320 against 100 at 512) but shrinks the faces with
   * it. On regions holding faces of 15-55 px, 320 and 384 found about as many as 512 (19-22 of
   * 22 at score 0.3) with no false positives; 256 found half, with false positives, hence the floor.
   */
  inputSize?: number;
}

export const DEFAULT_SSD_FACE_SCORE_THRESHOLD = 0.5;

/** The square input as face-api builds it, before and after its scaling to [-1, 1]. */
export interface SsdFaceInput {
  /** RGB bytes of the `size` square: the region scaled to fit, black padding right and below. */
  pixels: Uint8Array;
  /** NCHW `[1, 3, size, size]`, pixel / 127.5 - 1. */
  tensor: Float32Array;
  geometry: Letterbox;
}

/**
 * Scales `region` of the image into a `size` square, keeping its aspect ratio, and pads the rest
 * with black at the right and bottom, as face-api does (zeros before its [-1, 1] scaling).
 * libvips' bilinear shrink averages the pixels it drops, where face-api's TF resize samples four
 * of them; the tests therefore hold the two against each other on identical pixels.
 */
export async function ssdFaceInput(image: RgbImage, region: Region, size: number): Promise<SsdFaceInput> {
  const geometry = letterbox(region.width, region.height, size, size, 'letterbox-top-left');
  const { resizedWidth, resizedHeight } = geometry;
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(region)
    .resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'linear' })
    .extend({ right: size - resizedWidth, bottom: size - resizedHeight, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) tensor[c * plane + i] = pixels[i * 3 + c] / 127.5 - 1;
  }
  return { pixels, tensor, geometry };
}

/**
 * SSD-MobileNetV1 trained on WIDER FACE (face-api's face detector), converted to ONNX. Slower than
 * BlazeFace but finds smaller faces: meant as a second detector for the faces BlazeFace misses,
 * over whole images or over crops (a person's head area, tiles) through `detectIn`.
 */
export class SsdFaceDetector {
  private readonly anchors = new Map<number, SsdAnchor[]>();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    private readonly inputSize: number,
  ) {}

  static async create(path: string, info: ModelInfo, opts: SsdFaceDetectorOptions = {}): Promise<SsdFaceDetector> {
    const inputSize = opts.inputSize ?? SSD_FACE_INPUT_SIZE;
    checkInputSize(inputSize);
    return new SsdFaceDetector(await createOnnxSession(path, opts), info, inputSize);
  }

  /** Faces in the whole image, in its pixels. */
  detect(image: RgbImage, opts: SsdFaceDetectOptions = {}): Promise<FaceDetection[]> {
    return this.detectIn(image, wholeImage(image), opts);
  }

  /**
   * Faces inside `region` (whole pixels, within the image), in pixels of the whole image. The
   * region is scaled to the input size either way, so a small crop is searched enlarged. A box
   * may reach past the region (a face cut by it) but is clamped to the image.
   */
  async detectIn(image: RgbImage, region: Region, opts: SsdFaceDetectOptions = {}): Promise<FaceDetection[]> {
    const size = opts.inputSize ?? this.inputSize;
    checkInputSize(size);
    const { tensor, geometry } = await ssdFaceInput(image, region, size);
    const out = await this.session.run({ input: new ort.Tensor('float32', tensor, [1, 3, size, size]) });
    const faces = decodeSsdFaces(
      out['box_encodings'].data as Float32Array,
      out['scores'].data as Float32Array,
      this.anchorsFor(size),
      opts.scoreThreshold ?? DEFAULT_SSD_FACE_SCORE_THRESHOLD,
      opts.maxResults ?? SSD_DEFAULT_MAX_RESULTS,
    );
    return faces.map(({ box, score }) => ({
      // face-api clamps to the input square before mapping back; the image clamp below covers that.
      box: clampBox(toImageBox(box, geometry, region), image.width, image.height),
      score,
      keypoints: [],
    }));
  }

  private anchorsFor(size: number): SsdAnchor[] {
    let anchors = this.anchors.get(size);
    if (!anchors) {
      anchors = ssdAnchors(size);
      this.anchors.set(size, anchors);
    }
    return anchors;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

const MIN_INPUT_SIZE = 320;

function checkInputSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_INPUT_SIZE || size % 32 !== 0) {
    throw new Error(`SSD face input size ${size} is not a multiple of 32 from ${MIN_INPUT_SIZE} up`);
  }
}
