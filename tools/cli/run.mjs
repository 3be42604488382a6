#!/usr/bin/env node
// `npm run process`, `npm run bench:models` and `npm run eval:privacy`: fetch what is missing (models, and the test
// photos for the bench), build the cli app (cached by Nx after the first time), then run it
// with the remaining arguments. Build output is shown only when the build fails.

import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePhotos } from '../assets/fetch-photos.mjs';
import { ensureTestImages } from '../assets/fetch-test-images.mjs';
import { ensureModels } from '../models/fetch-models.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [command, ...args] = process.argv.slice(2);

function run(cmd, cmdArgs, { quiet = false } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, cmdArgs, {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => done({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function main() {
  const modelsDir = process.env.MODELS_DIR ? resolve(process.env.MODELS_DIR) : undefined;
  await ensureModels({ modelsDir });
  if (command === 'bench' && !args.includes('--images')) await ensurePhotos();
  // The privacy hard-case set is built from the portraits and the street, car and still-life photos.
  if (command === 'eval' && !args.includes('--photos')) {
    await ensurePhotos();
    await ensureTestImages(['street-town.jpg', 'street-cars-la.jpg', 'road-cars-la.jpg', 'horses.jpg', 'coffee.png']);
  }
  const build = await run('npx', ['--no', 'nx', 'build', 'cli', '--output-style=static'], { quiet: true });
  if (build.code !== 0) {
    process.stderr.write(build.output);
    return build.code;
  }
  const cli = await run(process.execPath, [join(ROOT, 'dist/apps/cli/main.js'), command, ...args]);
  return cli.code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
