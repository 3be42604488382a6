import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { manifestEntry, ModelManifestEntry } from './manifest';

const FETCH = 'npm run fetch:models';

/** A model file the manifest expects is not in the models directory. */
export class ModelMissingError extends Error {
  constructor(
    readonly model: string,
    readonly path: string,
  ) {
    super(`model ${model}: ${path} does not exist; run \`${FETCH}\` to fetch it`);
    this.name = 'ModelMissingError';
  }
}

/**
 * A model file is not the pinned one (truncated, tampered with, or left by another version).
 * Loading it anyway could give plausible but wrong detections, which is worse than not starting.
 */
export class ModelIntegrityError extends Error {
  constructor(
    readonly model: string,
    readonly path: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(
      `model ${model}: ${path} has sha256 ${actualSha256}, expected ${expectedSha256}; ` +
        `run \`${FETCH}\` to replace it with the pinned file`,
    );
    this.name = 'ModelIntegrityError';
  }
}

export interface VerifiedModel {
  entry: ModelManifestEntry;
  path: string;
  sha256: string;
}

export function modelPath(modelsDir: string, entry: ModelManifestEntry): string {
  return join(modelsDir, entry.file);
}

/** Streams the file, so a model of any size is hashed without holding it in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Resolves with the file's sha256 when it is the expected one. */
export async function verifyModelFile(path: string, expectedSha256: string, name: string): Promise<string> {
  let actual: string;
  try {
    actual = await sha256File(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelMissingError(name, path);
    throw err;
  }
  if (actual !== expectedSha256) throw new ModelIntegrityError(name, path, expectedSha256, actual);
  return actual;
}

/** The manifest entry named `name`, with its file in `modelsDir` checked against the pinned sha256. */
export async function loadVerifiedModel(modelsDir: string, name: string): Promise<VerifiedModel> {
  const entry = manifestEntry(name);
  if (entry.sha256 === null) {
    throw new Error(`model ${name} has no pinned sha256: a user-supplied model is loaded from its configured path`);
  }
  const path = modelPath(modelsDir, entry);
  const sha256 = await verifyModelFile(path, entry.sha256, name);
  return { entry, path, sha256 };
}
