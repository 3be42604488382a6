import type { Region } from 'sharp';
import { Box, ModelInfo } from '@imgpipe/contracts';
import { clampBox, expandBox, iou, toRegion } from '../geometry/box';
import { weightedNms } from '../geometry/nms';
import { createOnnxSession, ort, OnnxSessionOptions } from '../onnx/session';
import { FaceDetection, RgbImage } from '../types';
import { Anchor, BLAZEFACE_INPUT_SIZE, blazeFaceAnchors, decodeBlazeFace, NormalisedFace } from './blazeface-decode';
import { Letterbox } from '../geometry/letterbox';
import {
  mirroredEdge,
  mirroredWholeTensor,
  QuarterCell,
  quartersTensor,
  regionTensor,
  tileTensors,
  toImageBox,
  toImagePoint,
  wholeImage,
} from './face-input';
import { DEFAULT_TILE_OPTIONS, faceTiles, TileOptions, touchesInnerEdge } from './face-tiles';

export interface FaceDetectorOptions extends OnnxSessionOptions {
  tiles?: TileOptions;
}

export interface FaceDetectOptions {
  /** Least sigmoid score of a face. */
  scoreThreshold?: number;
  /**
   * Adds a pass over overlapping tiles in which faces appear 1.5x larger (on by default). On the
   * six group portraits the whole-image pass alone found 19 of 22 faces (the three misses scored
   * 0.60-0.73); with tiles all 22 scored 0.81 or more, no false positive scored over 0.52, and a
   * photo took about 32 ms of CPU instead of 12.
   */
  multiScale?: boolean;
  /**
   * detectInRegions: let up to four regions share one model run, each in a quarter of the input.
   * Cheaper, and a little less sure: on the portraits shrunk so that twice each face fits a
   * quarter, the surroundings of 22 faces gave back 20 to 21 of them one by one and one fewer
   * four to a run, at every size tried.
   */
  shareRuns?: boolean;
}

export const DEFAULT_FACE_SCORE_THRESHOLD = 0.75;
/** BlazeFace's own blending threshold: its anchors fire in dense clusters around each face. */
const FACE_NMS_IOU = 0.3;

const SIZE = BLAZEFACE_INPUT_SIZE;
const MAX_FACE_IN_TILE = 0.35;
/**
 * Tile detections scoring from this up to the threshold are looked at again, in a region three
 * times their size around them (CONTEXT). On the hard-case set that took faces of 24 px and more
 * from 0.85 to 0.95 and of 16-24 px from 0.56 to 0.74, with collateral unchanged, for about 19 %
 * more face runs (four candidates share a run). From 0.6: 0.88 / 0.59; from 0.3: 0.93 / 0.59; from
 * 0.1: 0.96 / 0.70 for twice the runs. A context of twice the box found 0.93 / 0.63, four times
 * 0.93 / 0.78.
 */
const DOUBTFUL_SCORE = 0.2;
const CONTEXT = 3;
/**
 * A candidate seen a second time is kept at this fraction of the threshold (0.6 at the default
 * 0.75): it has then been taken for a face twice, once in its tile and once enlarged in its
 * context, which says more than one look at 0.75. Chosen on the hard-case set, where faces of
 * 16-24 px went from 0.78 to 0.89 and of 24 px and more from 0.973 to 0.986, with collateral at
 * 1.33 % instead of 1.26 % (one face found in the letters of a menu); 0.9 found 0.85 / 0.973, and
 * 0.7 no more faces for 1.65 % collateral. On the held-out set (`eval:privacy -- --held-out`),
 * never used to choose it: 0.775 → 0.90 and 0.949 → 0.975, collateral 1.26 → 1.33 %.
 */
const SECOND_LOOK_THRESHOLD = 0.8;

/** BlazeFace back-256 (MediaPipe's short-to-mid-range model for scene photos), run on the CPU. */
export class FaceDetector {
  private readonly anchors: Anchor[] = blazeFaceAnchors();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    private readonly tileOptions: TileOptions,
  ) {}

  static async create(path: string, info: ModelInfo, opts: FaceDetectorOptions = {}): Promise<FaceDetector> {
    return new FaceDetector(await createOnnxSession(path, opts), info, opts.tiles ?? DEFAULT_TILE_OPTIONS);
  }

  async detect(image: RgbImage, opts: FaceDetectOptions = {}): Promise<FaceDetection[]> {
    const threshold = opts.scoreThreshold ?? DEFAULT_FACE_SCORE_THRESHOLD;
    const low = Math.min(threshold, DOUBTFUL_SCORE);
    const found = await this.detectIn(image, wholeImage(image), threshold);
    const doubtful: FaceDetection[] = [];
    const cut: FaceDetection[] = [];
    if (opts.multiScale ?? true) {
      const tiles = faceTiles(image.width, image.height, this.tileOptions);
      for await (const { tile, tensor, geometry } of tileTensors(image, tiles, SIZE)) {
        const inTile = await this.run(tensor, geometry, tile, low);
        // A face as large as a third of a tile is seen whole by a coarser pass; in a small tile,
        // such a "face" is more often a hand, a knee or a pattern seen up close.
        const largest = MAX_FACE_IN_TILE * Math.min(tile.width, tile.height);
        for (const f of inTile) {
          if (touchesInnerEdge(f.box, tile, image.width, image.height) || f.box[3] - f.box[1] > largest) continue;
          (f.score >= threshold ? found : doubtful).push(f);
        }
      }
      if (tiles.length > 0) cut.push(...(await this.cutBySideEdges(image, threshold)));
      cut.push(...(await this.largeCutBySideEdges(image, threshold)));
    }
    // A small face in a tile often scores under the threshold. Shown again enlarged, with its
    // surroundings, it scores as a face does; a pattern that looked like one does not.
    const candidates = weightedNms(doubtful, FACE_NMS_IOU).filter((c) => !found.some((f) => iou(f.box, c.box) > 0));
    if (candidates.length > 0) {
      const regions = candidates.map((c) => contextOf(c.box, image.width, image.height));
      found.push(
        ...(await this.detectInRegions(image, regions, {
          scoreThreshold: threshold * SECOND_LOOK_THRESHOLD,
          shareRuns: true,
        })),
      );
    }
    // A cut face's box ends at the frame; blended with a box of the same face found whole, it
    // would pull that box's edge inwards, so it only counts where nothing else was found.
    const faces = weightedNms(found, FACE_NMS_IOU);
    faces.push(...weightedNms(cut, FACE_NMS_IOU).filter((c) => !faces.some((f) => iou(f.box, c.box) > 0)));
    return faces.map((f) => ({ ...f, box: clampBox(f.box, image.width, image.height) }));
  }

  /**
   * Faces inside each region (a person's head area, the surroundings of a blurred face), each
   * shown to the model at its full input size, so a face of 20 px in a 60 px head area fills a
   * third of it. In pixels of the whole image.
   */
  async detectInRegions(
    image: RgbImage,
    regions: readonly Region[],
    opts: FaceDetectOptions = {},
  ): Promise<FaceDetection[]> {
    const threshold = opts.scoreThreshold ?? DEFAULT_FACE_SCORE_THRESHOLD;
    const found = await this.inRegions(image, regions, threshold, opts.shareRuns ? 4 : 1);
    return weightedNms(found, FACE_NMS_IOU).map((f) => ({ ...f, box: clampBox(f.box, image.width, image.height) }));
  }

  /**
   * Faces cut by the left or right edge of the frame, which no other pass finds: with half a face
   * in view, BlazeFace sees no face. A strip along each edge is shown beside its mirror image, so
   * the half face becomes a whole one, four pieces of strip to a run.
   * Only a face across the mirror line counts, and only its part inside the frame is returned.
   */
  private async cutBySideEdges(image: RgbImage, threshold: number): Promise<FaceDetection[]> {
    const depth = Math.min(EDGE_DEPTH, Math.floor(image.width / 4));
    const found: FaceDetection[] = [];
    for (const side of ['left', 'right'] as const) {
      const strip = mirroredEdge(image, side, depth);
      const pieces = stripPieces(strip, 2 * EDGE_DEPTH, EDGE_OVERLAP);
      const shift = side === 'left' ? -depth : image.width - depth;
      for (const face of await this.inRegions(strip, pieces, threshold, 4)) {
        const [x1, , x2] = face.box;
        if (x1 >= depth || x2 <= depth) continue;
        const move = ([x, y]: [number, number]): [number, number] => [x + shift, y];
        const [b1, b2, b3, b4] = face.box;
        found.push({ ...face, box: [b1 + shift, b2, b3 + shift, b4], keypoints: face.keypoints?.map(move) });
      }
    }
    return found;
  }

  /**
   * Faces larger than the edge strips hold (about 110 px) cut by the left or right edge: the whole
   * image beside its mirror images, in one run. Only a face across a mirror line counts, clipped
   * to the frame. Mirroring the top and bottom edges as well found 2 more of 44 faces cut by the
   * bottom edge and lost 4 cut by the top.
   */
  private async largeCutBySideEdges(image: RgbImage, threshold: number): Promise<FaceDetection[]> {
    const { tensor, geometry, region } = await mirroredWholeTensor(image, SIZE, LARGE_CUT_MARGIN);
    return (await this.run(tensor, geometry, region, threshold)).filter(
      ({ box: [x1, , x2] }) => (x1 < 0 && x2 > 0) || (x1 < image.width && x2 > image.width),
    );
  }

  /** Faces inside each region, up to `perRun` regions sharing a model run, before NMS. */
  private async inRegions(
    image: RgbImage,
    regions: readonly Region[],
    threshold: number,
    perRun: number,
  ): Promise<FaceDetection[]> {
    const usable = regions.filter((region) => region.width >= 2 && region.height >= 2);
    const found: FaceDetection[] = [];
    for (let i = 0; i < usable.length; i += perRun) {
      const group = usable.slice(i, i + perRun);
      if (group.length === 1) {
        found.push(...(await this.detectIn(image, group[0], threshold)));
        continue;
      }
      const { tensor, cells } = await quartersTensor(image, group, SIZE, GUTTER);
      for (const face of await this.infer(tensor, threshold)) {
        const cell = cellOf(face, cells);
        if (cell) found.push(toImageFace(face, cell.geometry, cell.region));
      }
    }
    return found;
  }

  /** Faces inside `region`, in pixels of the whole image. */
  private async detectIn(image: RgbImage, region: Region, threshold: number): Promise<FaceDetection[]> {
    const { tensor, geometry } = await regionTensor(image, region, SIZE);
    return this.run(tensor, geometry, region, threshold);
  }

  private async run(
    tensor: Float32Array,
    geometry: Letterbox,
    region: Region,
    threshold: number,
  ): Promise<FaceDetection[]> {
    return (await this.infer(tensor, threshold)).map((face) => toImageFace(face, geometry, region));
  }

  /** One model run: every anchor scoring `threshold` or more, in [0, 1] of the input, before NMS. */
  private async infer(tensor: Float32Array, threshold: number): Promise<NormalisedFace[]> {
    const out = await this.session.run({ 'input:0': new ort.Tensor('float32', tensor, [1, SIZE, SIZE, 3]) });
    const logits = concat(out['Identity:0'].data as Float32Array, out['Identity_1:0'].data as Float32Array);
    const regressors = concat(out['Identity_2:0'].data as Float32Array, out['Identity_3:0'].data as Float32Array);
    return decodeBlazeFace(logits, regressors, this.anchors, threshold, SIZE);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Mid-grey around each quarter of a shared input, so that no anchor sees two regions as one face. */
const GUTTER = 4;
/**
 * Image columns along each side edge searched for cut faces: a face of up to about 110 px cut at
 * its middle. Each piece, the strip and its mirror, is as large as a quarter of the input inside
 * its gutter (120 px), so it is copied in pixel for pixel rather than resized. On the hard-case
 * set strips of 48 and 64 px found as many faces, of 40 and 96 px one fewer, and of 32 px two
 * fewer for twice the runs.
 */
const EDGE_DEPTH = (SIZE / 2 - 2 * GUTTER) / 2;
const EDGE_OVERLAP = 0.25;
/** The mirror beside each side edge for larger cut faces, as a fraction of the image's width. */
const LARGE_CUT_MARGIN = 0.1;

/** Pieces of the strip `length` px tall (or the whole strip), top to bottom, overlapping by at least `overlap` of that. */
function stripPieces({ width, height }: RgbImage, length: number, overlap: number): Region[] {
  const tall = Math.min(length, height);
  const count = height <= tall ? 1 : Math.ceil((height - tall) / (tall * (1 - overlap))) + 1;
  return Array.from({ length: count }, (_, i) => ({
    left: 0,
    top: count === 1 ? 0 : Math.round(((height - tall) * i) / (count - 1)),
    width,
    height: tall,
  }));
}

function toImageFace(face: NormalisedFace, geometry: Letterbox, region: Region): FaceDetection {
  return {
    box: toImageBox(face.box, geometry, region),
    score: face.score,
    keypoints: face.keypoints.map((p) => toImagePoint(p, geometry, region)),
  };
}

/** The cell whose pixels hold the centre of `face`, or none when it lies in a gutter or padding. */
function cellOf({ box: [x1, y1, x2, y2] }: NormalisedFace, cells: readonly QuarterCell[]): QuarterCell | undefined {
  return cells.find(({ geometry: g }) => {
    const cx = ((x1 + x2) / 2) * g.inputWidth - g.padX;
    const cy = ((y1 + y2) / 2) * g.inputHeight - g.padY;
    return cx >= 0 && cy >= 0 && cx < g.resizedWidth && cy < g.resizedHeight;
  });
}

/** A square CONTEXT times the longer side of `box`, around its centre, inside the image. */
function contextOf([x1, y1, x2, y2]: Box, width: number, height: number): Region {
  const half = Math.max(x2 - x1, y2 - y1) / 2;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return toRegion(expandBox([cx - half, cy - half, cx + half, cy + half], CONTEXT, width, height));
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
