import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { JobStatusView, StatsView, UploadAccepted } from '@imgpipe/contracts';
import { freePort, photos, sleep } from './support/stack';

const ROOT = resolve(__dirname, '../../..');
const LAYOUT_VARIABLES = ['WORKER_PROCESSES', 'WORKER_CONCURRENCY', 'ONNX_THREADS', 'JOB_LOCK_MS'];
const UPLOADS_PER_SECOND = 5;
const LOAD_SECONDS = 16;

function pgrep(args: string[]): number[] {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function environ(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

async function status(url: string): Promise<number | 'no answer'> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'no answer';
  }
}

/** `npm start` as a user runs it, with its defaults: only ports, storage and the models' folder are chosen here. */
describe('npm start under load, with worker processes killed', () => {
  let launcher: ChildProcess;
  let exited: Promise<number | null>;
  const output: string[] = [];
  let api: string;
  let workerHealth: string;
  let supervisor: number;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pipeline-e2e-local-stack-'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: String(await freePort()),
      WORKER_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      MODELS_DIR: process.env['E2E_MODELS_DIR'],
      NO_COLOR: '1',
    };
    for (const name of ['REDIS_URL', 'PIPELINE_CONFIG', 'NUM_WORKERS', 'WORKER_ID', ...LAYOUT_VARIABLES])
      delete env[name];
    launcher = spawn(process.execPath, [join(ROOT, 'tools/local-stack/start.mjs')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
    launcher.stdout?.on('data', collect);
    launcher.stderr?.on('data', collect);
    exited = new Promise((done) => launcher.once('exit', (code) => done(code)));
    api = `http://127.0.0.1:${env['PORT']}`;
    workerHealth = `http://127.0.0.1:${env['WORKER_PORT']}/health`;

    const deadline = Date.now() + 150_000;
    while (!output.includes('Local stack is up.')) {
      if (launcher.exitCode !== null || Date.now() > deadline)
        throw new Error(`npm start did not come up:\n${output.slice(-40).join('\n')}`);
      await sleep(200);
    }
    [supervisor] = pgrep(['-P', String(launcher.pid), '-f', 'dist/apps/worker/main.js']);
    while ((await status(workerHealth)) !== 200) {
      if (Date.now() > deadline) throw new Error('the worker processes never became healthy');
      await sleep(200);
    }
  }, 180_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill('SIGTERM');
      const timer = setTimeout(() => launcher.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const workerProcesses = () => pgrep(['-P', String(supervisor)]);

  it('runs one worker process per core under a supervisor, one job and one onnxruntime thread each', async () => {
    const cores = availableParallelism();
    expect(supervisor).toBeGreaterThan(0);
    expect(workerProcesses()).toHaveLength(cores);
    const settings = environ(supervisor);
    expect(LAYOUT_VARIABLES.map((name) => settings[name])).toEqual([String(cores), '1', '1', '15000']);
    expect(await (await fetch(workerHealth)).json()).toMatchObject({ status: 'ok', processes: cores });
  });

  it('keeps serving while worker processes are SIGKILLed, and completes every accepted upload', async () => {
    const bodies = await Promise.all(photos().map((path) => sharp(path).resize(640).jpeg().toBuffer()));
    const uploads: Promise<{ status: number | 'no answer'; jobId?: string }>[] = [];
    const apiHealth: (number | 'no answer')[] = [];
    let loading = true;
    const load = (async () => {
      const started = Date.now();
      for (let i = 0; i < UPLOADS_PER_SECOND * LOAD_SECONDS; i++) {
        await sleep(Math.max(0, started + (i * 1000) / UPLOADS_PER_SECOND - Date.now()));
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(bodies[i % bodies.length])]), `load-${i}.jpg`);
        uploads.push(
          fetch(`${api}/upload`, { method: 'POST', body: form }).then(
            async (res) => ({
              status: res.status,
              jobId: res.status === 202 ? ((await res.json()) as UploadAccepted).job_id : undefined,
            }),
            () => ({ status: 'no answer' as const }),
          ),
        );
      }
      loading = false;
    })();
    const healthPolls = (async () => {
      while (loading) {
        apiHealth.push(await status(`${api}/health`));
        await sleep(500);
      }
    })();

    const killed: number[] = [];
    for (const delayMs of [4000, 4000]) {
      await sleep(delayMs);
      const [victim] = workerProcesses();
      process.kill(victim, 'SIGKILL');
      killed.push(victim);
      // Recovered: a fresh process in the victim's place, and every process healthy again.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const now = workerProcesses();
        if (now.length === availableParallelism() && !now.includes(victim) && (await status(workerHealth)) === 200)
          break;
        if (Date.now() > deadline)
          throw new Error(`process ${victim} was not replaced:\n${output.slice(-40).join('\n')}`);
        await sleep(200);
      }
    }
    await load;
    await healthPolls;
    const answers = await Promise.all(uploads);
    const accepted = answers.filter((a) => a.jobId).map((a) => a.jobId as string);

    expect(answers.filter((a) => a.status !== 202 && a.status !== 429)).toEqual([]);
    expect(accepted.length).toBeGreaterThanOrEqual(answers.length / 2);
    expect(apiHealth.filter((s) => s !== 200)).toEqual([]);

    const deadline = Date.now() + 120_000;
    for (;;) {
      const stats = (await (await fetch(`${api}/stats`)).json()) as StatsView;
      if (stats.completed + stats.failed >= accepted.length || Date.now() > deadline) break;
      await sleep(1000);
    }
    const finals = await Promise.all(
      accepted.map(async (id) => ((await (await fetch(`${api}/status/${id}`)).json()) as JobStatusView).status),
    );
    expect(finals.filter((s) => s !== 'completed')).toEqual([]);

    const supervisorLog = output.filter((line) => line.startsWith('[worker-0]'));
    expect(supervisorLog.filter((line) => /"worker process exited".*"restarting":true/.test(line))).toHaveLength(2);
    // The killed processes held jobs: another process took them over once their locks expired.
    expect(supervisorLog.filter((line) => /"job lock lost".*"how":"stalled"/.test(line)).length).toBeGreaterThan(0);
    expect(output.filter((line) => /exited unexpectedly/.test(line))).toEqual([]);
    expect(launcher.exitCode).toBeNull();
  }, 180_000);

  it('stops on its own signal, letting every worker process drain', async () => {
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.filter((line) => /^\[start\] .* (stopped with|did not stop)/.test(line))).toEqual([]);
    expect(output).toContain('[start] stopped Redis');
  }, 60_000);
});
