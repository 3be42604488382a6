import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Jest's module system cannot load the ES-module fetch script, so specs reach it through a
 * child process; the manifest is plain JSON and is read directly.
 */
const REPO_ROOT = resolve(__dirname, '../../../../..');
const FETCH_SCRIPT = join(REPO_ROOT, 'tools/assets/fetch-test-images.mjs');
const MANIFEST = join(REPO_ROOT, 'tools/assets/test-images.json');

export type TestImageUse = 'vehicle-plate' | 'street' | 'no-vehicles' | 'signs' | 'faces';

export interface TestImage {
  name: string;
  source: { kind: 'debian' | 'npm'; package: string; version: string; path: string };
  sha256: string;
  license: string;
  licenseNote: string;
  width: number;
  height: number;
  shows: string;
  uses: TestImageUse[];
}

export function testImageManifest(): TestImage[] {
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as TestImage[];
}

export function testImagesFor(use: TestImageUse): TestImage[] {
  return testImageManifest().filter((image) => image.uses.includes(use));
}

/**
 * Fetches (or finds in the cache) the named test images, all of them by default; resolves with
 * { name: absolute path }. The first run downloads packages, so give the calling hook a
 * generous timeout (a minute or more).
 */
export function fetchTestImages(names: readonly string[] = []): Promise<Record<string, string>> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [FETCH_SCRIPT, ...names],
      { cwd: REPO_ROOT, maxBuffer: 1024 * 1024, timeout: 10 * 60 * 1000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`fetching test images failed: ${String(stderr || err.message).trim()}`));
          return;
        }
        resolvePromise(JSON.parse(stdout) as Record<string, string>);
      },
    );
  });
}
