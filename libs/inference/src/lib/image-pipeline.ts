import {
  BlurMetadata,
  BlurPolicy,
  BlurPolicyOverride,
  BlurRegion,
  Box,
  DetectionMetadata,
  ImageFormat,
  ModelInfo,
  resolvePolicy,
} from '@imgpipe/contracts';
import { decodeImage, encodeImage, rgbView } from './image-codec';
import { clampBox, expandBox } from './geometry/box';
import { blurRegions } from './privacy/blur';
import { facesMissingIn, headAreaOf } from './faces/head-fallback';
import { FaceDetector } from './faces/blazeface';
import { ObjectDetector } from './detectors/object-detector';
import { PlateDetector } from './plates/text-detector';

/** Recorded in every job's metadata; bumped when the pipeline's output changes. */
export const PIPELINE_VERSION = '0.2.0';

/** COCO classes that carry licence plates. */
export const VEHICLE_LABELS: readonly string[] = ['car', 'bus', 'truck', 'motorcycle'];

export interface PipelineModels {
  objects: ObjectDetector;
  faces: FaceDetector;
  plates: PlateDetector;
  /** A user's single-class YOLO plate detector (PLATE_MODEL), run beside text detection. */
  plateModel?: ObjectDetector;
}

export interface PipelineOptions {
  jpegQuality: number;
  maxPixels: number;
  defaultPolicy: BlurPolicy;
  detection: { scoreThreshold: number; classes: string[] | null };
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

/**
 * Decode once, detect objects, faces and plates on the same pixels, blur at full resolution,
 * check the result for faces again, encode once. Any failure throws: there is no path that
 * returns an image whose privacy stage did not run.
 */
export class ImagePipeline {
  constructor(
    private readonly models: PipelineModels,
    private readonly options: PipelineOptions,
  ) {}

  get modelInfos(): ModelInfo[] {
    const { objects, faces, plates, plateModel } = this.models;
    return [objects.info, faces.info, plates.info, ...(plateModel ? [plateModel.info] : [])];
  }

  async process(input: Buffer, format: ImageFormat, override?: BlurPolicyOverride): Promise<PipelineOutput> {
    const policy = resolvePolicy(this.options.defaultPolicy, override);
    const timings: Record<string, number> = {};
    const time = <T>(stage: string, work: () => Promise<T>) => timed(timings, stage, work);

    const image = await time('decode', () => decodeImage(input, this.options.maxPixels));
    const rgb = rgbView(image);
    const { width, height } = image;

    const objects = await time('detect', () =>
      this.models.objects.detect(rgb, { scoreThreshold: this.options.detection.scoreThreshold }),
    );
    const faces = await time('faces', () => this.models.faces.detect(rgb, { scoreThreshold: policy.thresholds.face }));
    const vehicles = objects.filter((o) => VEHICLE_LABELS.includes(o.label)).map((o) => o.box);
    const plates = await time('plates', async () => {
      const text = await this.models.plates.detect(rgb, vehicles, { scoreThreshold: policy.thresholds.plate });
      const yolo = this.models.plateModel
        ? await this.models.plateModel.detect(rgb, { scoreThreshold: policy.thresholds.plate })
        : [];
      return [
        ...text.map((t) => ({ ...t, source: this.models.plates.info.name })),
        ...yolo.map((p) => ({
          box: p.box,
          score: p.score,
          source: this.models.plateModel?.info.name ?? 'plate-model',
        })),
      ];
    });

    const regions: BlurRegion[] = [
      ...faces.map((f) => region('face', wholeFace(f.box, width, height), f.score, this.models.faces.info.name)),
      ...plates.map((p) => region('plate', p.box, p.score, p.source)),
    ];
    if (policy.head_fallback) {
      const persons = objects.filter((o) => o.label === 'person');
      const missing = new Set(
        facesMissingIn(
          persons.map((p) => p.box),
          faces,
        ),
      );
      for (const person of persons.filter((p) => missing.has(p.box))) {
        regions.push(region('face', headAreaOf(person.box, width, height), person.score, 'person-head-fallback'));
      }
    }
    const kept = regions.filter((r) => Math.min(r.box[2] - r.box[0], r.box[3] - r.box[1]) >= policy.min_box_size);
    await time('blur', () =>
      blurRegions(
        image,
        kept.map((r) => ({
          box: expandBox(r.box, policy.box_expansion, width, height),
          shape: r.kind === 'face' ? 'ellipse' : 'rounded-rect',
        })),
        policy,
      ),
    );

    // Whatever the face detector still sees after blurring is blurred again, twice as hard.
    const residual = await time('verify', () =>
      this.models.faces.detect(rgbView(image), { scoreThreshold: policy.thresholds.face }),
    );
    if (residual.length > 0) {
      await blurRegions(
        image,
        residual.map((f) => ({ box: expandBox(f.box, policy.box_expansion, width, height), shape: 'ellipse' })),
        { ...policy, strength: policy.strength * 2 },
      );
      kept.push(...residual.map((f) => region('face', f.box, f.score, 'verification')));
    }

    const processed = await time('encode', () => encodeImage(image, format, { jpegQuality: this.options.jpegQuality }));
    const classes = this.options.detection.classes;
    return {
      processed,
      width,
      height,
      orientation: image.orientation,
      blur_metadata: {
        regions: kept.map((r) => ({ ...r, box: roundBox(r.box), score: round(r.score) })),
        method: policy.method,
        policy,
        verification: { rechecked: true, residual: residual.length },
        models: [
          this.models.faces.info,
          this.models.plates.info,
          ...(this.models.plateModel ? [this.models.plateModel.info] : []),
        ],
        timings_ms: pick(timings, ['faces', 'plates', 'blur', 'verify']),
      },
      detection_metadata: {
        objects: objects
          .filter((o) => !classes || classes.includes(o.label))
          .map((o) => ({ label: o.label, score: round(o.score), box: roundBox(o.box) })),
        model: this.models.objects.info,
        timings_ms: pick(timings, ['detect']),
      },
      timings_ms: timings,
    };
  }

  async dispose(): Promise<void> {
    const { objects, faces, plates, plateModel } = this.models;
    await Promise.all([objects.dispose(), faces.dispose(), plates.dispose(), plateModel?.dispose()]);
  }
}

/**
 * BlazeFace boxes run from the brows to the mouth and cheek to cheek; a person is also known by
 * forehead, hairline, ears and chin, so the region grows by 30 % of its height upwards, 15 %
 * downwards and 10 % of its width to each side before blurring.
 */
export function wholeFace([x1, y1, x2, y2]: Box, width: number, height: number): Box {
  const w = x2 - x1;
  const h = y2 - y1;
  return clampBox([x1 - 0.1 * w, y1 - 0.3 * h, x2 + 0.1 * w, y2 + 0.15 * h], width, height);
}

function region(kind: BlurRegion['kind'], box: Box, score: number, source: string): BlurRegion {
  return { kind, box, score, source };
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const roundBox = (b: Box): Box => b.map((v) => round(v, 1)) as Box;

function pick(timings: Record<string, number>, stages: string[]): Record<string, number> {
  return Object.fromEntries(stages.filter((s) => s in timings).map((s) => [s, timings[s]]));
}

async function timed<T>(timings: Record<string, number>, stage: string, work: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    timings[stage] = round(Number(process.hrtime.bigint() - start) / 1e6, 2);
  }
}
