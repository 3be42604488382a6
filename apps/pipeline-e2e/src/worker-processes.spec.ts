import { execFileSync } from 'node:child_process';
import { UploadAccepted } from '@imgpipe/contracts';
import { Stack, photos, sleep, terminate } from './support/stack';

function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('a worker running one process per core under a supervisor', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 9, workers: 0 });
    await stack.startWorker({ WORKER_PROCESSES: '2', WORKER_CONCURRENCY: '1' });
    // The supervisor answers /health before its processes have loaded their models.
    const deadline = Date.now() + 60_000;
    while ((await fetch(`http://127.0.0.1:${stack.workers[0].port}/health`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('supervised processes never became healthy');
      await sleep(200);
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('processes jobs in both processes and reports one health and one set of metrics', async () => {
    const supervisor = stack.workers[0];
    const health = await (await fetch(`http://127.0.0.1:${supervisor.port}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', processes: 2, dependencies: { redis: 'up', storage: 'up' } });
    expect(children(supervisor.proc.pid as number)).toHaveLength(2);

    const jobs: string[] = [];
    for (let i = 0; i < 8; i++)
      jobs.push(((await (await stack.upload(photos()[i % 6])).json()) as UploadAccepted).job_id);
    for (const id of jobs) expect((await stack.waitFor(id)).status).toBe('completed');

    const metadata = await Promise.all(
      jobs.map(async (id) => (await stack.getJson(`/results/${id}/metadata`)).pipeline.worker_id),
    );
    expect(new Set(metadata)).toEqual(new Set(['worker-0-0', 'worker-0-1']));
    const metrics = await (await fetch(`http://127.0.0.1:${supervisor.port}/metrics`)).text();
    expect(metrics).toMatch(/^pipeline_jobs_finished_total\{status="completed",app="worker"\} 8$/m);
    expect(metrics).toMatch(/^pipeline_queue_jobs\{state="waiting",app="worker"\} 0$/m);
  });

  it('fails liveness while a process hangs, and passes it again when the process answers', async () => {
    const supervisor = stack.workers[0];
    const live = async () => {
      const res = await fetch(`http://127.0.0.1:${supervisor.port}/health/live`);
      return { status: res.status, body: await res.json() };
    };
    expect(await live()).toEqual({ status: 200, body: { status: 'ok' } });
    const [hung] = children(supervisor.proc.pid as number);
    process.kill(hung, 'SIGSTOP');
    try {
      expect(await live()).toEqual({
        status: 503,
        body: { statusCode: 503, code: 'not_answering', message: expect.stringMatching(/did not answer in 3000 ms/) },
      });
    } finally {
      process.kill(hung, 'SIGCONT');
    }
    expect(await live()).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('restarts a process that dies, and drains all of them on SIGTERM', async () => {
    const supervisor = stack.workers[0];
    const [victim] = children(supervisor.proc.pid as number);
    process.kill(victim, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = children(supervisor.proc.pid as number);
      const res = await fetch(`http://127.0.0.1:${supervisor.port}/health`);
      if (now.length === 2 && !now.includes(victim) && res.status === 200) break;
      if (Date.now() > deadline) throw new Error('the killed process was not replaced');
      await sleep(200);
    }
    const { job_id } = (await (await stack.upload(photos()[0])).json()) as UploadAccepted;
    expect((await stack.waitFor(job_id)).status).toBe('completed');
    expect(await terminate(supervisor)).toBe(0);
    expect(supervisor.output.filter((line) => /worker process exited/.test(line))).toHaveLength(1);
  });

  it('exits 0 when stopped while its processes still load their models', async () => {
    const supervisor = await stack.startWorker({ WORKER_PROCESSES: '2', WORKER_CONCURRENCY: '1' });
    const health = (await (await fetch(`http://127.0.0.1:${supervisor.port}/health`)).json()) as {
      errors?: Record<string, string>;
    };
    // Stopped before any process is ready: none holds a job, so nothing failed.
    expect(health.errors).toMatchObject({ processes: '0 of 2 worker processes ready' });
    expect(await terminate(supervisor)).toBe(0);
    expect(supervisor.output.filter((line) => /worker process exited/.test(line))).toEqual([]);
  });
});
