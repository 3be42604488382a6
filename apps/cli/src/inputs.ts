import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Files named directly, and the images (by extension) directly inside named folders, sorted. */
export function listInputs(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new Error(`input not found: ${path}`);
    if (stat.isDirectory()) {
      files.push(
        ...readdirSync(path)
          .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
          .sort()
          .map((name) => join(path, name)),
      );
    } else {
      files.push(path);
    }
  }
  return files;
}

/** Output stems, unique even when two inputs share a name. */
export function outputStems(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((file) => {
    const stem = basename(file, extname(file));
    const n = seen.get(stem) ?? 0;
    seen.set(stem, n + 1);
    return n === 0 ? stem : `${stem}-${n + 1}`;
  });
}
