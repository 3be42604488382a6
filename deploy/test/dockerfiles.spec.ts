import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { finalStageCopies, imagePolicyProblems, stageRuns } from './dockerfile-policy';
import { appVersion, run, WORKSPACE } from './support';

const APPS = [
  { app: 'api', port: 8000 },
  { app: 'worker', port: 9100 },
] as const;
const POLICY_BASE = 'node:20-bookworm-slim';
// Nx's own entry point, run with this Node: the test does not depend on npx or a shell.
const NX = join(dirname(require.resolve('nx/package.json')), 'dist/bin/nx.js');
const dockerfile = (app: string) => readFileSync(join(WORKSPACE, `apps/${app}/Dockerfile`), 'utf8');

describe.each(APPS)('apps/$app/Dockerfile', ({ app, port }) => {
  it('has no problem the Dockerfile linter finds', () => {
    expect(validate(dockerfile(app)).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('follows the image policy: Debian slim base, pinned apt packages, non-root, tini, health check', () => {
    expect(imagePolicyProblems(dockerfile(app), { baseImage: POLICY_BASE, port })).toEqual([]);
  });

  it('installs production dependencies only, from the lock file the build pruned', () => {
    const runs = stageRuns(dockerfile(app), 'runtime-deps').join('\n');
    expect(runs).toMatch(/npm ci --omit=dev --ignore-scripts/);
    const fromDeps = finalStageCopies(dockerfile(app)).find((c) => c.from === 'runtime-deps');
    expect(fromDeps?.sources).toEqual(['/app/node_modules']);
  });
});

describe('the worker image', () => {
  it('fetches and checks the models at build time, into the directory MODELS_DIR names', () => {
    const text = dockerfile('worker');
    expect(stageRuns(text, 'models')).toEqual(['node tools/models/fetch-models.mjs --models-dir /models']);
    const models = finalStageCopies(text).find((c) => c.from === 'models');
    expect(models?.sources).toEqual(['/models/*.onnx']);
    expect(text).toMatch(new RegExp(`MODELS_DIR=${models?.destination.replace(/\/$/, '')}\\s`));
  });
});

describe('the Dockerfile checks can fail', () => {
  const broken = [
    'FROM node:latest',
    'ADD https://example.com/x.tgz /x',
    'RUN apt-get update && apt-get install curl',
    'RUN npm install',
    'COPY --from=nowhere /a /b',
    'EXPOSE 80',
    'CMD node main.js',
    'HEALTHCHECK --intervl=5s CMD true',
  ].join('\n');

  it('the linter reports an unknown flag', () => {
    expect(validate(broken).map((d) => d.message)).toContain('Unknown flag: intervl');
  });

  it('the policy reports every broken rule', () => {
    const problems = imagePolicyProblems(broken, { baseImage: POLICY_BASE, port: 8000 }).join('\n');
    for (const expected of [
      'FROM node:latest',
      'ADD: use COPY',
      'without -y',
      'without --no-install-recommends',
      'apt-get install curl: pin its version',
      'remove /var/lib/apt/lists',
      'npm install: use npm ci',
      'COPY --from=nowhere',
      'non-root USER',
      'HEALTHCHECK CMD must use the exec',
      'ENTRYPOINT must run tini',
      'CMD must use the exec',
      'must EXPOSE 8000',
    ]) {
      expect(problems).toContain(expected);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local build output, dependencies, models and data out of the build context', () => {
    const ignored = readFileSync(join(WORKSPACE, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', '**/node_modules', 'dist', '.cache', 'data']) expect(ignored).toContain(entry);
  });
});

describe('the Nx container target', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'imgpipe-container-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * Runs Nx with a stand-in for the docker CLI that records its arguments: no engine runs here,
   * and what matters is the command Nx hands it.
   */
  async function dockerCalls(name: string, nxArgs: string[], extraEnv: NodeJS.ProcessEnv): Promise<string[]> {
    const bin = join(scratch, name);
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(bin, 'calls')}"\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env['PATH']}`,
      NX_DAEMON: 'false',
    };
    delete env['CONTAINER_PUSH'];
    delete env['IMAGE_REPOSITORY'];
    const out = await run(process.execPath, [NX, ...nxArgs, '--output-style=static'], {
      env: { ...env, ...extraEnv },
      timeoutMs: 240_000,
    });
    if (out.code !== 0) throw new Error(`nx ${nxArgs.join(' ')} failed:\n${out.stdout}${out.stderr}`);
    return readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n').sort();
  }

  it('runs docker build with the app Dockerfile, tagged with the app version', async () => {
    expect(await dockerCalls('nx', ['run-many', '-t', 'container', '-p', 'api', 'worker'], {})).toEqual([
      `build --file apps/api/Dockerfile --tag imgpipe/api:${appVersion('api')} .`,
      `build --file apps/worker/Dockerfile --tag imgpipe/worker:${appVersion('worker')} .`,
    ]);
  }, 300_000);

  it('pushes, to the repository named, only when CONTAINER_PUSH is set', async () => {
    // The same command line, run by the shell as nx:run-commands runs it.
    const command = JSON.parse(readFileSync(join(WORKSPACE, 'apps/worker/project.json'), 'utf8')).targets.container
      .options.command as string;
    const bin = join(scratch, 'shell');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$*"\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    const out = await run('/bin/sh', ['-c', command], {
      env: {
        PATH: `${bin}${delimiter}${process.env['PATH']}`,
        CONTAINER_PUSH: 'true',
        IMAGE_REPOSITORY: 'ghcr.io/example',
      },
    });
    expect(out.stdout.trim()).toBe(
      `build --file apps/worker/Dockerfile --tag ghcr.io/example/worker:${appVersion('worker')} --push .`,
    );
  });
});
