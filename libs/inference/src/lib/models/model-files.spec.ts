import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_MANIFEST } from './manifest';
import { loadVerifiedModel, ModelIntegrityError, ModelMissingError, modelPath, verifyModelFile } from './model-files';

const CONTENT = 'not really a model';
const CONTENT_SHA256 = createHash('sha256').update(CONTENT).digest('hex');
const OTHER_SHA256 = 'f'.repeat(64);

describe('model files', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'model-files-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a file with the expected sha256', async () => {
    const path = join(dir, 'good.onnx');
    writeFileSync(path, CONTENT);

    await expect(verifyModelFile(path, CONTENT_SHA256, 'good')).resolves.toBe(CONTENT_SHA256);
  });

  it('refuses a file whose sha256 differs, saying which file, both hashes and the fix', async () => {
    const path = join(dir, 'tampered.onnx');
    writeFileSync(path, CONTENT);

    const error = await verifyModelFile(path, OTHER_SHA256, 'tampered').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect(error).toMatchObject({
      model: 'tampered',
      path,
      expectedSha256: OTHER_SHA256,
      actualSha256: CONTENT_SHA256,
    });
    const { message } = error as Error;
    for (const part of ['tampered', path, OTHER_SHA256, CONTENT_SHA256, 'npm run fetch:models']) {
      expect(message).toContain(part);
    }
  });

  it('reports a missing file as missing, with the fix', async () => {
    const path = join(dir, 'absent.onnx');

    const error = await verifyModelFile(path, CONTENT_SHA256, 'absent').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModelMissingError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('npm run fetch:models');
  });

  it('checks a manifest model in the models directory against its pin', async () => {
    const entry = MODEL_MANIFEST[0];
    await expect(loadVerifiedModel(dir, entry.name)).rejects.toBeInstanceOf(ModelMissingError);

    writeFileSync(modelPath(dir, entry), CONTENT);
    await expect(loadVerifiedModel(dir, entry.name)).rejects.toBeInstanceOf(ModelIntegrityError);
  });

  it('names the known models when asked for an unknown one', async () => {
    await expect(loadVerifiedModel(dir, 'no-such-model')).rejects.toThrow(MODEL_MANIFEST[0].name);
  });

  it.each(MODEL_MANIFEST.map((entry) => [entry.name]))('loads the fetched %s', async (name) => {
    const modelsDir = process.env['IMGPIPE_MODELS_DIR'] as string;

    const model = await loadVerifiedModel(modelsDir, name);

    expect(model.path).toBe(join(modelsDir, model.entry.file));
    expect(model.sha256).toBe(model.entry.sha256);
  });
});
