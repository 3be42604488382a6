import sharp, { type Region } from 'sharp';
import { Box, ModelInfo } from '@imgpipe/contracts';
import { nms } from '../geometry/nms';
import { createOnnxSession, ort, OnnxSessionOptions } from '../onnx/session';
import { RgbImage, TextRegion } from '../types';
import { DbOptions, dbBoxes, DEFAULT_DB_OPTIONS } from './db-postprocess';
import { hasPlateColours } from './plate-colours';
import {
  cropBoxToImage,
  DEFAULT_PLATE_SHAPE,
  hasPlateShape,
  isPlausiblePlate,
  joinStackedLines,
  plateBody,
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
  /**
   * Also search the whole frame at FULL_FRAME_SIDE (on by default), for plates on vehicles the
   * object detector did not report: close-ups of a bumper, cars cut by the frame or hidden
   * behind something. Text found there must also be coloured like a plate.
   */
  fullFrame?: boolean;
}

/**
 * Input side of the whole-frame pass. On the hard-case set it finds the large plates of close-ups
 * whose car the object detector does not see; 320 found as many as 640 or a tiled 640 (one in
 * 18; the vehicle crops find the rest) at about a quarter of the cost.
 */
export const FULL_FRAME_SIDE = 320;

/** ImageNet statistics, which PaddleOCR's detectors are trained with. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
/** The same plate found from two overlapping vehicle boxes gives two nearly equal boxes. */
const DEDUPE_IOU = 0.3;

interface Crop {
  /** The vehicle searched, or null for the whole-frame pass. */
  vehicle: Box | null;
  region: Region;
  inputWidth: number;
  inputHeight: number;
}

/**
 * Finds licence plates as text: PP-OCRv4's text detector (DB) runs on the lower part of each
 * vehicle box, where text of a plate's shape is taken for a plate, and over the whole frame at a
 * cheap resolution, where text must also fit the frame and be coloured like a plate, so that
 * most street names and shop signs are left alone while plates on vehicles the object detector
 * missed are still found.
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
    const crops: Crop[] = [];
    for (const vehicle of vehicleBoxes) {
      const region = plateSearchRegion(vehicle, image.width, image.height);
      if (!region) continue;
      const [inputWidth, inputHeight] = textInputSize(region.width, region.height);
      crops.push({ vehicle, region, inputWidth, inputHeight });
    }
    if (opts.fullFrame ?? true) {
      const region = { left: 0, top: 0, width: image.width, height: image.height };
      const [inputWidth, inputHeight] = textInputSize(image.width, image.height, FULL_FRAME_SIDE);
      crops.push({ vehicle: null, region, inputWidth, inputHeight });
    }
    return this.search(image, crops, opts, true);
  }

  /**
   * Plates inside the given regions (the surroundings of blurred regions, when checking a blur):
   * text of a plate's shape, whatever its colour, since a blur changes the colours it is judged by.
   */
  async detectInRegions(
    image: RgbImage,
    regions: readonly Region[],
    opts: PlateDetectOptions = {},
  ): Promise<TextRegion[]> {
    const crops: Crop[] = regions
      .filter((region) => region.width >= 8 && region.height >= 8)
      .map((region) => {
        const [inputWidth, inputHeight] = textInputSize(region.width, region.height);
        return { vehicle: null, region, inputWidth, inputHeight };
      });
    return this.search(image, crops, opts, false);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  /** `frameRules`: crops without a vehicle are open scene, where text must also fit the frame and be coloured like a plate. */
  private async search(
    image: RgbImage,
    crops: Crop[],
    opts: PlateDetectOptions,
    frameRules: boolean,
  ): Promise<TextRegion[]> {
    const db: DbOptions = {
      ...DEFAULT_DB_OPTIONS,
      boxThreshold: opts.scoreThreshold ?? DEFAULT_DB_OPTIONS.boxThreshold,
    };
    const found: TextRegion[] = [];
    for (const batch of sameSizeBatches(crops)) {
      const maps = await this.run(image, batch);
      batch.forEach((crop, n) => {
        const lines = dbBoxes(maps[n], crop.inputWidth, crop.inputHeight, db).map(({ box, score }) => ({
          box: cropBoxToImage(box, crop.region, crop.inputWidth, crop.inputHeight),
          score,
        }));
        for (const { box, lines: count } of joinStackedLines(lines.map((l) => l.box))) {
          const plausible = crop.vehicle
            ? isPlausiblePlate(box, crop.vehicle, this.shape, count)
            : hasPlateShape(box, count, this.shape) &&
              (!frameRules || (fitsFrame(box, count, crop.region) && hasPlateColours(image, box)));
          if (!plausible) continue;
          const score = Math.max(...lines.filter((l) => inside(l.box, box)).map((l) => l.score));
          found.push({ box: plateBody(box, count, image.width, image.height), score });
        }
      });
    }
    return nms(found, DEDUPE_IOU);
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

/**
 * Away from a vehicle box, nothing bounds a plate's size but the frame: even a close-up of a
 * bumper leaves the plate under 40 % of the width, and a line of its text under 15 % of the height.
 * Larger "text" is a poster's edge, a window frame or a pattern.
 */
function fitsFrame([x1, y1, x2, y2]: Box, lines: number, frame: Region): boolean {
  return x2 - x1 <= 0.4 * frame.width && (y2 - y1) / lines <= 0.15 * frame.height;
}

function inside(inner: Box, outer: Box): boolean {
  return inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
}

function sameSizeBatches(crops: Crop[]): Crop[][] {
  const bySize = new Map<string, Crop[]>();
  for (const crop of crops) {
    const key = `${crop.inputWidth}x${crop.inputHeight}`;
    bySize.set(key, [...(bySize.get(key) ?? []), crop]);
  }
  return [...bySize.values()];
}
