import sharp from 'sharp';
import { JobStatusView, UploadAccepted, percentile } from '@imgpipe/contracts';
import { AppProcess, Stack, memoryBytes, photos, sleep } from './support/stack';

// Bounded in time and count: SOAK_SECONDS at SOAK_RATE uploads per second (10 s at 100/s in CI;
// the README's figures come from SOAK_SECONDS=30).
const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 10);
const RATE = Number(process.env['SOAK_RATE'] ?? 100);
const MIB = 1024 * 1024;

const rss = (app: AppProcess) => memoryBytes(app, 'VmRSS');

describe('soak: uploads at a steady rate above what the workers sustain', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 10,
      workers: 2,
      // The limit under test is the queue's, not one client's request budget.
      env: { MAX_QUEUE_SIZE: '150', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 202 or 429 to every upload, completes every accepted job, and keeps memory bounded', async () => {
    // Small real photos (480 px on the long side), as dashcam thumbnails or listing previews.
    const images = await Promise.all(
      photos().map((p) => sharp(p).resize(480, 480, { fit: 'inside' }).jpeg().toBuffer()),
    );
    const apps = [stack.api, ...stack.workers];
    const peak = new Map(apps.map((app) => [app.name, rss(app)]));
    const sampler = setInterval(() => {
      for (const app of apps) peak.set(app.name, Math.max(peak.get(app.name) ?? 0, rss(app)));
    }, 250);

    const statuses = new Map<number, number>();
    const accepted: string[] = [];
    const unavailable: string[] = [];
    const pending: Promise<void>[] = [];
    const total = SECONDS * RATE;
    let networkRetries = 0;
    // As a production client does: a connection that fails mid-request is retried with the same
    // Idempotency-Key, so an upload that did reach the api is not accepted twice.
    const send = async (i: number): Promise<Response> => {
      for (let attempt = 1; ; attempt++) {
        let res: Response;
        try {
          res = await stack.uploadBytes(images[i % images.length], `soak-${i}.jpg`, 'file', {
            'idempotency-key': `soak-${i}`,
          });
        } catch (err) {
          if (attempt === 3) throw err;
          networkRetries += 1;
          continue;
        }
        // The first try is still being handled by the api: ask again for its answer.
        if (res.status !== 409 || attempt === 10) return res;
        await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
      }
    };
    const started = Date.now();
    try {
      for (let i = 0; i < total; i++) {
        // Open loop: each upload leaves on its schedule whether or not earlier ones were answered.
        const due = started + (i * 1000) / RATE;
        if (due > Date.now()) await sleep(due - Date.now());
        pending.push(
          send(i).then(async (res) => {
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const body = await res.json();
            if (res.status === 202) accepted.push((body as UploadAccepted).job_id);
            if (res.status === 503)
              unavailable.push(
                `${(body as { message: string }).message} (Retry-After ${res.headers.get('retry-after')})`,
              );
          }),
        );
      }
      await Promise.all(pending);
      const sendSeconds = (Date.now() - started) / 1000;

      const finished: JobStatusView[] = [];
      for (const id of accepted) finished.push(await stack.waitFor(id, ['completed', 'failed'], 300_000));
      const drainSeconds = (Date.now() - started) / 1000;

      const latencies = finished.map((j) => j.updated_at - j.created_at).sort((a, b) => a - b);
      const lockLosses = await Promise.all(
        stack.workers.map(async (w) => {
          const text = await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text();
          return [...text.matchAll(/^pipeline_job_locks_lost_total\{[^}]*\} (\d+)/gm)].reduce(
            (n, m) => n + Number(m[1]),
            0,
          );
        }),
      );
      console.log(
        [
          `soak: ${total} uploads in ${sendSeconds.toFixed(1)} s (${RATE}/s target)`,
          `answers ${JSON.stringify(Object.fromEntries(statuses))}`,
          `accepted ${accepted.length}, completed ${finished.filter((j) => j.status === 'completed').length} by ${drainSeconds.toFixed(1)} s`,
          `throughput ${(accepted.length / drainSeconds).toFixed(1)} images/s`,
          `e2e p50 ${percentile(latencies, 50)?.toFixed(1)} s, p95 ${percentile(latencies, 95)?.toFixed(1)} s, max ${latencies.at(-1)?.toFixed(1)} s`,
          `peak RSS ${[...peak].map(([name, bytes]) => `${name} ${(bytes / MIB).toFixed(0)} MiB`).join(', ')}`,
          `locks lost ${lockLosses.join('+')}, uploads retried after a connection error ${networkRetries}`,
          ...(unavailable.length ? [`503 answers: ${[...new Set(unavailable)].join('; ')}`] : []),
        ].join('\n'),
      );

      // 429: the queue is full. 503 would mean Redis or storage did not answer in time: nothing was
      // stored, and Retry-After tells the client when to retry.
      expect([...statuses.keys()].filter((s) => ![202, 429, 503].includes(s))).toEqual([]);
      expect(unavailable.filter((u) => !/Retry-After \d+/.test(u))).toEqual([]);
      expect(accepted.length).toBeGreaterThan(0);
      expect(new Set(accepted).size).toBe(accepted.length);
      expect(await stack.getJson('/stats')).toMatchObject({ submitted: accepted.length });
      expect(finished.filter((j) => j.status !== 'completed')).toEqual([]);
      expect(lockLosses).toEqual(stack.workers.map(() => 0));
      expect(peak.get('api')).toBeLessThan(512 * MIB);
      for (const worker of stack.workers) expect(peak.get(worker.name)).toBeLessThan(1536 * MIB);
      expect(apps.map((app) => app.proc.exitCode)).toEqual(apps.map(() => null));
    } finally {
      clearInterval(sampler);
    }
  }, 300_000);
});
