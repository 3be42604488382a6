import {
  BlurMetadata,
  BlurPolicy,
  BlurPolicyOverride,
  BlurRegion,
  Box,
  DetectionMetadata,
  ImageFormat,
  ModelInfo,
  PERSON_LABEL,
  resolvePolicy,
  VEHICLE_LABELS,
} from '@imgpipe/contracts';
import { decodeImage, encodeImage, rgbView } from './image-codec';
import { clampBox, expandBox, toRegion } from './geometry/box';
import { weightedNms } from './geometry/nms';
import { blurRegions } from './privacy/blur';
import { stripMetadata } from './privacy/strip-metadata';
import { facesMissingIn, headAreaOf, headSearchArea } from './faces/head-fallback';
import { FaceDetection, RgbImage } from './types';
import { FaceDetector } from './faces/blazeface';
import { tileGrid, touchesInnerEdge } from './faces/face-tiles';
import { SsdFaceDetector } from './faces/ssd-face-detector';
import { ObjectDetector } from './detectors/object-detector';
import { PlateDetector } from './plates/text-detector';

/** Recorded in every job's metadata; bumped when the pipeline's output changes. */
export const PIPELINE_VERSION = '0.5.2';

export interface PipelineModels {
  objects: ObjectDetector;
  faces: FaceDetector;
  /**
   * A second face detector, trained on WIDER FACE, run over tiles for the small and distant faces
   * BlazeFace misses (THOROUGH_FACE_SEARCH).
   */
  smallFaces?: SsdFaceDetector;
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
 * check the result for faces again, encode once (or, when nothing was blurred, strip the original's
 * metadata instead). Any failure throws: there is no path that
 * returns an image whose privacy stage did not run.
 */
export class ImagePipeline {
  constructor(
    private readonly models: PipelineModels,
    private readonly options: PipelineOptions,
  ) {}

  get modelInfos(): ModelInfo[] {
    const { objects, faces, smallFaces, plates, plateModel } = this.models;
    return [objects.info, faces.info, smallFaces?.info, plates.info, plateModel?.info].filter(
      (info): info is ModelInfo => info !== undefined,
    );
  }

  async process(input: Buffer, format: ImageFormat, override?: BlurPolicyOverride): Promise<PipelineOutput> {
    const policy = resolvePolicy(this.options.defaultPolicy, override);
    const timings: Record<string, number> = {};
    const time = <T>(stage: string, work: () => Promise<T>) => timed(timings, stage, work);

    const image = await time('decode', () => decodeImage(input, this.options.maxPixels));
    const rgb = rgbView(image);
    const { width, height } = image;

    const reported = this.options.detection.scoreThreshold;
    const candidates = await time('detect', () =>
      this.models.objects.detect(rgb, { scoreThreshold: Math.min(reported, PLATE_VEHICLE_SCORE, PERSON_SEARCH_SCORE) }),
    );
    const objects = candidates.filter((o) => o.score >= reported);
    const persons = objects.filter((o) => o.label === PERSON_LABEL);
    // Every person the detector half sees is searched for a face; only the reported ones are
    // blurred blind when none is found, since a low-scored "person" is often a post or a shadow.
    const searched = candidates.filter((o) => o.label === PERSON_LABEL && o.score >= PERSON_SEARCH_SCORE);
    const { faces, blind } = await time('faces', () =>
      this.findFaces(
        rgb,
        searched.map((p) => p.box),
        policy.thresholds.face,
      ),
    );
    const vehicles = candidates.filter((o) => VEHICLE_LABELS.includes(o.label)).map((o) => o.box);
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
      ...faces.map((f) => region('face', wholeFace(f.box, width, height), f.score, f.source)),
      ...plates.map((p) => region('plate', p.box, p.score, p.source)),
    ];
    if (policy.head_fallback) {
      for (const person of persons.filter((p) => blind.includes(p.box))) {
        regions.push(region('face', headAreaOf(person.box, width, height), person.score, 'person-head-fallback'));
      }
    }
    const kept = regions.filter((r) => Math.min(r.box[2] - r.box[0], r.box[3] - r.box[1]) >= policy.min_box_size);
    const shaped = (list: BlurRegion[]) =>
      list.map((r) => ({
        box: expandBox(r.box, policy.box_expansion, width, height),
        shape: r.kind === 'face' ? ('ellipse' as const) : ('rounded-rect' as const),
      }));
    await time('blur', () => blurRegions(image, shaped(kept), policy));

    // What the detectors still find in and around the blurred regions is blurred again, twice as hard.
    const residual = await time('verify', () => this.recheck(rgbView(image), kept, policy));
    if (residual.length > 0) {
      await blurRegions(image, shaped(residual), { ...policy, strength: policy.strength * 2 });
      kept.push(...residual);
    }
    const residualOf = (kind: BlurRegion['kind']) => residual.filter((r) => r.kind === kind).length;

    // Nothing blurred and nothing to turn upright: the original's own bytes, less their metadata,
    // are the processed image, with no generation of loss and no encode.
    const stripped = kept.length === 0 && image.orientation === 1 ? stripMetadata(input, format) : null;
    const processed = await time(
      'encode',
      async () => stripped ?? encodeImage(image, format, { jpegQuality: this.options.jpegQuality }),
    );
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
        verification: {
          rechecked: true,
          residual: residual.length,
          residual_faces: residualOf('face'),
          residual_plates: residualOf('plate'),
        },
        models: this.modelInfos.filter((info) => info !== this.models.objects.info),
        output: stripped ? 'metadata-stripped' : 'reencoded',
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

  /**
   * Faces over the whole image (whole-image pass and tiles), then in the head area of each person
   * in whom none was found, shown to the detector at its full input size, so the face's own box
   * is blurred rather than a guess. Persons whose head area holds no face either are returned in
   * `blind`, for the head fallback.
   */
  private async findFaces(
    rgb: RgbImage,
    persons: Box[],
    threshold: number,
  ): Promise<{ faces: (FaceDetection & { source: string })[]; blind: Box[] }> {
    const { faces: blazeFace, smallFaces: ssd } = this.models;
    const from = (source?: ModelInfo) => (f: FaceDetection) => ({ ...f, source: source?.name ?? 'face-detector' });
    const faces = weightedNms(
      [
        ...(await blazeFace.detect(rgb, { scoreThreshold: threshold })).map(from(blazeFace.info)),
        ...(ssd ? await ssdOverTiles(ssd, rgb, threshold * SSD_SCORE_PER_BLAZEFACE_SCORE) : []).map(from(ssd?.info)),
      ],
      FACE_MERGE_IOU,
    );
    const missing = facesMissingIn(persons, faces);
    if (missing.length === 0) return { faces, blind: [] };
    const areas = missing.map((p) => toRegion(headSearchArea(p, rgb.width, rgb.height)));
    const inHeads = (
      await blazeFace.detectInRegions(rgb, areas, { scoreThreshold: threshold * HEAD_AREA_THRESHOLD, shareRuns: true })
    ).map(from(blazeFace.info));
    return { faces: [...faces, ...inHeads], blind: facesMissingIn(missing, inHeads) };
  }

  /**
   * Looks again, after blurring, for faces around each blurred face and for plates around each
   * blurred plate (the region grown to twice its size): one the blur left recognisable, or one
   * beside it that the first pass merged away. Looking for plates around faces too would cost a
   * text detection per blurred face. Four surroundings share a face-model run: on the 12 bench
   * photos that took the verification from 37 to 16 ms a photo, with the same recall and
   * collateral on both hard-case sets; neither way found anything left to blur on those photos.
   */
  private async recheck(rgb: RgbImage, blurred: BlurRegion[], policy: BlurPolicy): Promise<BlurRegion[]> {
    const around = (kind: BlurRegion['kind']) =>
      blurred.filter((r) => r.kind === kind).map((r) => toRegion(expandBox(r.box, 2, rgb.width, rgb.height)));
    const faces = await this.models.faces.detectInRegions(rgb, around('face'), {
      scoreThreshold: policy.thresholds.face,
      shareRuns: true,
    });
    const plates = await this.models.plates.detectInRegions(rgb, around('plate'), {
      scoreThreshold: policy.thresholds.plate,
    });
    return [
      ...faces.map((f) => region('face', wholeFace(f.box, rgb.width, rgb.height), f.score, 'verification')),
      ...plates.map((p) => region('plate', p.box, p.score, 'verification')),
    ];
  }

  async dispose(): Promise<void> {
    const { objects, faces, smallFaces, plates, plateModel } = this.models;
    await Promise.all([
      objects.dispose(),
      faces.dispose(),
      smallFaces?.dispose(),
      plates.dispose(),
      plateModel?.dispose(),
    ]);
  }
}

/**
 * The SSD detector runs on 512 px tiles at its 512 input, pixel for pixel: on the hard-case set
 * that found faces of 24 px and more 0.93 of the time and of 16-24 px 0.67 (BlazeFace with fine
 * tiles: 0.84 and 0.33); tiles of 768 px (0.88, 0.52) or one whole-image run (0.84, 0.41)
 * found less. Each tile is one run of about 100 ms here.
 */
const SSD_TILE = 512;
/**
 * Plates are searched for on vehicles the detector is far less sure of than it must be to report
 * them: on the dashcam photo the car straight ahead scores 0.34, under the 0.35 at which objects
 * are reported, and its plate was left sharp. On the hard-case set plate recall went from 0.83
 * at 0.35 to 0.89 at 0.2 and 0.94 at 0.1, with no more collateral: a crop that holds no plate
 * finds nothing plate-shaped.
 */
const PLATE_VEHICLE_SCORE = 0.1;
/**
 * Persons scored this or more have their head area searched for a face. On the hard-case set,
 * searching those under the reported 0.35 too found faces of 16-24 px 0.56 of the time instead
 * of 0.33 (0.48 from 0.2) and of 24 px and more 0.85 instead of 0.84, with collateral at 1.26 %
 * instead of 1.28 %. Four head areas share a model run, so that costs about 15 % more face runs
 * (one run each: 70 % more).
 */
const PERSON_SEARCH_SCORE = 0.1;

/**
 * A face in the head area of a person the object detector found is kept at this fraction of the
 * threshold (0.6 at the default 0.75): two models then agree that a person's face is there, as
 * when a second look confirms a tile's doubtful face. On the hard-case set faces of 16-24 px went
 * from 0.889 to 0.926, with collateral unchanged at 1.33 %; on the held-out set, never used to
 * choose it, nothing changed. At 0.5 no face more was found and collateral rose to 1.51 %.
 */
const HEAD_AREA_THRESHOLD = 0.8;

/**
 * The policy's face threshold is set on BlazeFace's scale (0.75 by default); the SSD detector's
 * scores run lower for the same certainty (face-api's default is 0.5), so it gets two thirds of it.
 */
const SSD_SCORE_PER_BLAZEFACE_SCORE = 2 / 3;
/** Both detectors find the larger faces; their boxes are blended into one. */
const FACE_MERGE_IOU = 0.3;

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

/** SSD faces over tiles of SSD_TILE px overlapping by a fifth, a face cut by an inner tile edge left to the neighbour. */
async function ssdOverTiles(ssd: SsdFaceDetector, rgb: RgbImage, scoreThreshold: number): Promise<FaceDetection[]> {
  const found: FaceDetection[] = [];
  for (const tile of tileGrid(rgb.width, rgb.height, SSD_TILE, 0.2)) {
    const faces = await ssd.detectIn(rgb, tile, { scoreThreshold, inputSize: SSD_TILE });
    found.push(...faces.filter((f) => !touchesInnerEdge(f.box, tile, rgb.width, rgb.height)));
  }
  return found;
}
