import { join } from 'node:path';
import { DEFAULT_BLUR_POLICY } from '@imgpipe/contracts';
import { ImagePipeline } from '../image-pipeline';
import { loadPipelineModels } from '../model-loader';
import { fetchTestImages } from '../testing/test-images';
import { EvaluatedCase, evaluatePrivacy } from './evaluate';
import { HARD_CASE_PHOTOS, HardCasePhotos } from './hard-cases';
import { formatSummary, PrivacySummary, summarize } from './privacy-score';

// The privacy hard-case set, scored as `npm run eval:privacy` scores it, with the default
// configuration. The targets are faces >= 24 px 0.95, faces of 16-24 px 0.8, plates >= 40 px 0.9
// and collateral <= 2 %; the default pipeline meets all four. The recall floors below are what it
// reaches today (0.973, 0.889, 0.944) less one face in each face bucket, so that a model run that
// differs in the last bits on another CPU does not fail it, while a change that finds fewer faces
// or plates does. Raise them as recall improves.
const FLOORS = { faceRecall24: 0.95, faceRecall16to24: 0.85, plateRecall: 0.94, collateralPct: 2 };

const root = join(__dirname, '../../../../..');
const modelsDir = process.env['IMGPIPE_MODELS_DIR'] ?? join(root, '.cache/models');
const photosDir = process.env['IMGPIPE_PHOTOS_DIR'] ?? join(root, '.cache/photos');

async function hardCasePhotos(): Promise<HardCasePhotos> {
  const fetched = await fetchTestImages([
    'street-town.jpg',
    'street-cars-la.jpg',
    'road-cars-la.jpg',
    'horses.jpg',
    'coffee.png',
  ]);
  return Object.fromEntries(
    HARD_CASE_PHOTOS.map((name) => [name, fetched[name] ?? join(photosDir, name)]),
  ) as HardCasePhotos;
}

async function pipelineWith(thoroughFaceSearch: boolean): Promise<ImagePipeline> {
  return new ImagePipeline(await loadPipelineModels({ modelsDir, onnxThreads: 1, thoroughFaceSearch }), {
    jpegQuality: 90,
    maxPixels: 50_000_000,
    defaultPolicy: DEFAULT_BLUR_POLICY,
    detection: { scoreThreshold: 0.35, classes: null },
  });
}

/** Faces hidden, over all size buckets. */
const facesFound = (summary: PrivacySummary) => Object.values(summary.faces).reduce((n, b) => n + b.found, 0);

describe('the privacy hard-case set', () => {
  jest.setTimeout(900_000);
  let results: EvaluatedCase[];
  let summary: PrivacySummary;

  beforeAll(async () => {
    const pipeline = await pipelineWith(false);
    try {
      results = await evaluatePrivacy(pipeline, await hardCasePhotos());
      summary = summarize(results.map((r) => r.score));
      process.stdout.write(`${formatSummary(summary, results.length)}\n`);
    } finally {
      await pipeline.dispose();
    }
  });

  it('covers every size bucket the targets name', () => {
    expect(summary.faces['16-24'].total).toBeGreaterThanOrEqual(20);
    expect(summary.faces['24-48'].total).toBeGreaterThanOrEqual(30);
    expect(summary.plates['40-80'].total + summary.plates['80-160'].total).toBeGreaterThanOrEqual(15);
  });

  it('hides every face of the close-up portraits', () => {
    expect(summary.faces['>=96']).toEqual({ found: 22, total: 22 });
  });

  it('hides faces of 24 px and more', () => {
    expect(summary.faceRecall24).toBeGreaterThanOrEqual(FLOORS.faceRecall24);
  });

  it('hides faces of 16-24 px', () => {
    expect(summary.faceRecall16to24).toBeGreaterThanOrEqual(FLOORS.faceRecall16to24);
  });

  it('hides plates 40 px wide and more, turned up to 35 degrees', () => {
    expect(summary.plateRecall).toBeGreaterThanOrEqual(FLOORS.plateRecall);
  });

  it('changes at most 2 % of the pixels of the negatives and portraits outside the faces and plates', () => {
    expect(summary.collateralPct).toBeLessThanOrEqual(FLOORS.collateralPct);
  });
  describe('with the thorough face search', () => {
    it('hides no fewer faces of any size on the small-face cases, and names the second detector', async () => {
      const groups = ['distant-group', 'bodiless-face', 'tilted-face'] as const;
      const pipeline = await pipelineWith(true);
      try {
        const thorough = await evaluatePrivacy(pipeline, await hardCasePhotos(), { groups });
        const standard = summarize(
          results.filter((r) => groups.includes(r.hardCase.group as never)).map((r) => r.score),
        );
        const deeper = summarize(thorough.map((r) => r.score));
        for (const [name, run] of [
          ['default', standard],
          ['thorough', deeper],
        ] as const) {
          process.stdout.write(
            `${name}: faces>=24 ${run.faceRecall24.toFixed(3)}, faces 16-24 ${run.faceRecall16to24.toFixed(3)}, hidden ${facesFound(run)}\n`,
          );
        }
        expect(results[0].output.blur_metadata.models.map((m) => m.name)).not.toContain('ssd-mobilenetv1-face');
        expect(thorough[0].output.blur_metadata.models.map((m) => m.name)).toContain('ssd-mobilenetv1-face');
        // Measured on these 22 photos: 76 faces hidden against 75 (faces >= 24 px 0.981 against
        // 0.962, 16-24 px 0.889 both). The second look at doubtful tile faces now finds most of
        // what the second detector used to add, so only "no fewer" is asserted.
        for (const bucket of Object.keys(standard.faces)) {
          expect(deeper.faces[bucket].found).toBeGreaterThanOrEqual(standard.faces[bucket].found);
        }
      } finally {
        await pipeline.dispose();
      }
    });
  });
});
