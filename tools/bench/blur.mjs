#!/usr/bin/env node
// Milliseconds of blurRegions alone on the six group portraits, each face hidden as the pipeline
// does it (the hand-drawn face box grown by the default box_expansion, an ellipse). The stage is
// small next to detection, so the whole-pipeline bench cannot show a change in it.
//
//   node tools/bench/blur.mjs [--runs 15] [--method gaussian|pixelate|solid] [--module path/to/blur.ts]
//
// --module times another copy of blur.ts (one exporting the same blurRegions), to compare two versions.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ensurePhotos, PHOTOS_DIR } from '../assets/fetch-photos.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    method: { type: 'string', default: 'gaussian' },
    module: { type: 'string', default: join(ROOT, 'libs/inference/src/lib/privacy/blur.ts') },
  },
});

// Transpiled without type checks: blur.ts takes only types from @imgpipe/contracts, and those
// imports vanish, so the path alias needs no resolver.
const require = createRequire(import.meta.url);
require('ts-node').register({
  transpileOnly: true,
  skipProject: true,
  compilerOptions: { module: 'commonjs', moduleResolution: 'bundler', target: 'es2022', esModuleInterop: true },
});
const { blurRegions } = require(resolve(values.module));
const { expandBox } = require(join(ROOT, 'libs/inference/src/lib/geometry/box.ts'));
const { DEFAULT_BLUR_POLICY } = require(join(ROOT, 'libs/contracts/src/lib/policy.ts'));

const truth = JSON.parse(
  readFileSync(join(ROOT, 'libs/inference/src/lib/faces/testdata/portrait-faces.json'), 'utf8'),
).photos;
await ensurePhotos();
const images = [];
for (const [name, { faces }] of Object.entries(truth)) {
  const { data, info } = await sharp(join(PHOTOS_DIR, name))
    .rotate()
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const regions = faces.map((box) => ({
    box: expandBox(box, DEFAULT_BLUR_POLICY.box_expansion, info.width, info.height),
    shape: 'ellipse',
  }));
  images.push({ name, data, width: info.width, height: info.height, regions });
}

const options = { method: values.method, strength: DEFAULT_BLUR_POLICY.strength };
const once = async ({ data, width, height, regions }) => {
  const image = { data: Buffer.from(data), width, height, channels: 3, orientation: 1 };
  const start = process.hrtime.bigint();
  await blurRegions(image, regions, options);
  return Number(process.hrtime.bigint() - start) / 1e6;
};

for (const image of images) await once(image);
const times = [];
for (let run = 0; run < Number(values.runs); run++) for (const image of images) times.push(await once(image));
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(
  `${values.method}: ${times.length} blurs of ${images.length} portraits, median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms`,
);
