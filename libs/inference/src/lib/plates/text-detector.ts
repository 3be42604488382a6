import sharp, { type Region } from 'sharp';
import { Box, ModelInfo } from '@imgpipe/contracts';
import { nms } from '../geometry/nms';
import { createOnnxSession, ort, OnnxSessionOptions } from '../onnx/session';
import { RgbImage, TextRegion } from '../types';
import { DbOptions, dbBoxes, DEFAULT_DB_OPTIONS } from './db-postprocess';
import {
  cropBoxToImage,
  DEFAULT_PLATE_SHAPE,
  isPlausiblePlate,
  plateSearchRegion,
  PlateShape,
  textInputSize,
} from './plate-geometry';

export interface PlateDetectorOptions extends OnnxSessionOptions {
  shape?: PlateShape;
}

export interface PlateDetectOptions {
  /** Least mean text probability of a region; DB's box threshold. */
  scoreThreshold?: number;
}

/** ImageNet statistics, which PaddleOCR's detectors are trained with. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
/** The same plate found from two overlapping vehicle boxes gives two nearly equal boxes. */
const DEDUPE_IOU = 0.3;

interface Crop {
  vehicle: Box;
  region: Region;
  inputWidth: number;
  inputHeight: number;
}

/**
 * Finds licence plates as text on vehicles: PP-OCRv4's text detector (DB) runs on the lower part
 * of each vehicle box only, so shop signs and street names away from vehicles are never searched,
 * and text whose shape is not a plate's is dropped.
 */
export class PlateDetector {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    private readonly shape: PlateShape,
  ) {}

  static async create(path: string, info: ModelInfo, opts: PlateDetectorOptions = {}): Promise<PlateDetector> {
    return new PlateDetector(await createOnnxSession(path, opts), info, opts.shape ?? DEFAULT_PLATE_SHAPE);
  }

  async detect(image: RgbImage, vehicleBoxes: readonly Box[], opts: PlateDetectOptions = {}): Promise<TextRegion[]> {
    const db: DbOptions = {
      ...DEFAULT_DB_OPTIONS,
      boxThreshold: opts.scoreThreshold ?? DEFAULT_DB_OPTIONS.boxThreshold,
    };
    const crops: Crop[] = [];
    for (const vehicle of vehicleBoxes) {
      const region = plateSearchRegion(vehicle, image.width, image.height);
      if (!region) continue;
      const [inputWidth, inputHeight] = textInputSize(region.width, region.height);
      crops.push({ vehicle, region, inputWidth, inputHeight });
    }
    const found: TextRegion[] = [];
    for (const batch of sameSizeBatches(crops)) {
      const maps = await this.run(image, batch);
      batch.forEach((crop, n) => {
        for (const { box, score } of dbBoxes(maps[n], crop.inputWidth, crop.inputHeight, db)) {
          const inImage = cropBoxToImage(box, crop.region, crop.inputWidth, crop.inputHeight);
          if (isPlausiblePlate(inImage, crop.vehicle, this.shape)) found.push({ box: inImage, score });
        }
      });
    }
    return nms(found, DEDUPE_IOU);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  /** One model run for crops of one input size; the probability map of each, in order. */
  private async run(image: RgbImage, batch: Crop[]): Promise<Float32Array[]> {
    const { inputWidth: w, inputHeight: h } = batch[0];
    const plane = w * h;
    const data = new Float32Array(batch.length * 3 * plane);
    for (const [n, crop] of batch.entries()) {
      const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .extract(crop.region)
        .resize(w, h, { fit: 'fill' })
        .raw()
        .toBuffer();
      const base = n * 3 * plane;
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < plane; i++) data[base + c * plane + i] = (pixels[i * 3 + c] / 255 - MEAN[c]) / STD[c];
      }
    }
    const out = await this.session.run({ x: new ort.Tensor('float32', data, [batch.length, 3, h, w]) });
    const maps = out['sigmoid_0.tmp_0'].data as Float32Array;
    return batch.map((_, n) => maps.subarray(n * plane, (n + 1) * plane));
  }
}

function sameSizeBatches(crops: Crop[]): Crop[][] {
  const bySize = new Map<string, Crop[]>();
  for (const crop of crops) {
    const key = `${crop.inputWidth}x${crop.inputHeight}`;
    bySize.set(key, [...(bySize.get(key) ?? []), crop]);
  }
  return [...bySize.values()];
}
