import { MODEL_MANIFEST, manifestEntry, ModelManifestEntry } from './manifest';

const SHA256 = /^[0-9a-f]{64}$/;

const fetched = MODEL_MANIFEST.flatMap((entry) =>
  entry.source.kind === 'npm' ? [[entry.name, entry, entry.source] as const] : [],
);

describe('MODEL_MANIFEST', () => {
  it('has one entry per name and per file', () => {
    expect(new Set(MODEL_MANIFEST.map((m) => m.name)).size).toBe(MODEL_MANIFEST.length);
    expect(new Set(MODEL_MANIFEST.map((m) => m.file)).size).toBe(MODEL_MANIFEST.length);
  });

  it.each(fetched)('pins every file %s is made from', (_, entry: ModelManifestEntry, source) => {
    expect(source.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(source.sourceSha256).toMatch(SHA256);
    for (const path of source.extraPaths ?? []) expect(source.extraSha256?.[path]).toMatch(SHA256);
    expect(entry.sha256).toMatch(SHA256);
    if (!source.convert) expect(entry.sha256).toBe(source.sourceSha256);
    expect(entry.input.width).toBeGreaterThan(0);
    expect(entry.input.height).toBeGreaterThan(0);
  });

  it('finds the default object detector by name', () => {
    expect(manifestEntry('nanodet-g')).toMatchObject({ task: 'object-detection', input: { width: 416, height: 416 } });
  });
});
