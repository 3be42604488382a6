import { join } from 'node:path';
import { DEFAULT_BLUR_POLICY } from '@imgpipe/contracts';
import { ImagePipeline } from '../image-pipeline';
import { loadPipelineModels } from '../model-loader';
import { fetchTestImages } from '../testing/test-images';
import { evaluatePrivacy } from './evaluate';
import { HARD_CASE_PHOTOS, HardCasePhotos } from './hard-cases';
import { formatSummary, PrivacySummary, summarize } from './privacy-score';

// The privacy hard-case set, scored as `npm run eval:privacy` scores it, with the default
// configuration. The targets are faces >= 24 px 0.95, faces of 16-24 px 0.8, plates >= 40 px 0.9
// and collateral <= 2 %; the default pipeline meets all but the second. The recall floors below
// are what it reaches today (0.973, 0.778, 0.944) less one face in each face bucket, so that a
// model run that differs in the last bits on another CPU does not fail it, while a change that
// finds fewer faces or plates does; for faces of 24 px and more that is the target itself.
// Raise them as recall improves.
const FLOORS = { faceRecall24: 0.95, faceRecall16to24: 0.74, plateRecall: 0.94, collateralPct: 2 };

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

describe('the privacy hard-case set', () => {
  jest.setTimeout(900_000);
  let summary: PrivacySummary;

  beforeAll(async () => {
    const pipeline = await pipelineWith(false);
    try {
      const results = await evaluatePrivacy(pipeline, await hardCasePhotos());
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
});

describe('the thorough face search on the distant groups and the faces without bodies', () => {
  jest.setTimeout(900_000);

  it('finds more small faces than the default, with the second detector named in the metadata', async () => {
    const groups = ['distant-group', 'bodiless-face'] as const;
    const photos = await hardCasePhotos();
    const recall = async (thorough: boolean) => {
      const pipeline = await pipelineWith(thorough);
      try {
        const results = await evaluatePrivacy(pipeline, photos, { groups });
        const models = results[0].output.blur_metadata.models.map((m) => m.name);
        return { models, summary: summarize(results.map((r) => r.score)) };
      } finally {
        await pipeline.dispose();
      }
    };
    const standard = await recall(false);
    const thorough = await recall(true);
    for (const [name, run] of [
      ['default', standard],
      ['thorough', thorough],
    ] as const) {
      const { faceRecall24, faceRecall16to24 } = run.summary;
      process.stdout.write(
        `${name}: faces>=24 ${faceRecall24.toFixed(3)}, faces 16-24 ${faceRecall16to24.toFixed(3)}\n`,
      );
    }
    expect(standard.models).not.toContain('ssd-mobilenetv1-face');
    expect(thorough.models).toContain('ssd-mobilenetv1-face');
    // Measured on these 18 photos: 0.925 against 0.95 for faces of 24 px and more, 0.74 against 0.81 for 16-24 px.
    expect(thorough.summary.faceRecall24).toBeGreaterThanOrEqual(standard.summary.faceRecall24);
    expect(thorough.summary.faceRecall16to24).toBeGreaterThan(standard.summary.faceRecall16to24 + 0.05);
  });
});
