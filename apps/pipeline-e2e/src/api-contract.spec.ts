import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Stack, photos } from './support/stack';

const ROOT = resolve(__dirname, '../../..');

/** `promtool check metrics` reads the exposition from stdin; lint findings come back on stdout/stderr. */
function promtoolCheckMetrics(text: string): Promise<{ code: number; problems: string }> {
  return new Promise((done) => {
    const child = execFile(process.env['PROMTOOL'] ?? 'promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, problems: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(text);
  });
}

describe('the api contract', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 6, workers: 1 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('publishes an OpenAPI 3 document covering every endpoint, which redocly lints without errors', async () => {
    const doc = await stack.getJson('/docs-json');
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/batch-upload',
        '/batch/{batch_id}',
        '/health',
        '/health/live',
        '/jobs/{job_id}',
        '/queue-status',
        '/results/{job_id}/{kind}',
        '/stats',
        '/status/{job_id}',
        '/upload',
      ].sort(),
    );
    for (const [path, ops] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        expect({
          path,
          method,
          hasSuccess: codes.some((c) => c.startsWith('2')),
          hasError: codes.some((c) => /^[45]/.test(c)),
        }).toEqual({
          path,
          method,
          hasSuccess: true,
          // Liveness checks nothing that can fail: a process that answers at all answers 200.
          hasError: path !== '/health/live',
        });
      }
    }
    const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const redocly = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [redocly, 'lint', file, '--format=json'], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((err) => ({ stdout: err.stdout as string, stderr: err.stderr as string }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number };
      problems: { severity: string; message: string; ruleId: string; location: { pointer: string }[] }[];
    };
    expect({
      errors: report.totals.errors,
      problems: report.problems.filter((p) => p.severity === 'error'),
      stderr: report.totals.errors ? stderr : '',
    }).toEqual({
      errors: 0,
      problems: [],
      stderr: '',
    });
    // redocly.yaml explains the one warning it leaves on.
    expect(
      report.problems.filter((p) => p.severity === 'warn').map((p) => `${p.ruleId} ${p.location[0]?.pointer}`),
    ).toEqual([
      'operation-4xx-response #/paths/~1health~1live/get/responses',
      'operation-4xx-response #/paths/~1health/get/responses',
    ]);
    expect((await stack.get('/docs')).status).toBe(200);
  });

  it('serves Prometheus metrics on the api and the worker that promtool accepts', async () => {
    const res = await stack.upload(photos()[0]);
    const { job_id } = (await res.json()) as { job_id: string };
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await stack.waitFor(job_id);
    const traced = await fetch(`${stack.baseUrl}/status/${job_id}`, { headers: { 'X-Request-Id': 'trace-42' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-42');

    const api = await (await stack.get('/metrics')).text();
    expect(api).toMatch(/^pipeline_images_submitted_total\{endpoint="upload",app="api"\} 1$/m);
    expect(api).toMatch(/^pipeline_queue_jobs\{state="waiting",app="api"\} 0$/m);
    expect(api).toMatch(/^pipeline_queue_oldest_waiting_seconds\{app="api"\} 0$/m);
    expect(api).toMatch(
      /^http_request_duration_seconds_count\{(?=[^}]*method="GET")(?=[^}]*route="\/status\/:job_id")(?=[^}]*status_code="200")[^}]*\} [1-9]/m,
    );
    expect(api).not.toContain(job_id);
    expect(api).toMatch(/process_cpu_seconds_total\{app="api"\}/);

    const worker = await (await fetch(`http://127.0.0.1:${stack.workers[0].port}/metrics`)).text();
    expect(worker).toMatch(/^pipeline_jobs_finished_total\{status="completed",app="worker"\} 1$/m);
    expect(worker).toMatch(/^pipeline_stage_duration_seconds_count\{app="worker",stage="faces"\} 1$/m);
    expect(worker).toMatch(/^pipeline_blur_regions_total\{kind="face",app="worker"\} [1-9]/m);
    expect(worker).toMatch(/^pipeline_end_to_end_latency_seconds_count\{app="worker"\} 1$/m);

    for (const text of [api, worker]) expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, problems: '' });
  });

  it('stops the process with a list of every configuration problem', async () => {
    const main = join(ROOT, 'dist/apps/api/main.js');
    const result = await promisify(execFile)(process.execPath, [main], {
      env: { ...process.env, PORT: 'x', MAX_QUEUE_SIZE: '-1', REDIS_URL: 'nope' },
    }).catch((err) => err as { code: number; stderr: string });
    expect((result as { code: number }).code).toBe(1);
    const stderr = (result as { stderr: string }).stderr;
    expect(stderr).toMatch(/invalid configuration/);
    expect(stderr).toMatch(/PORT must be/);
    expect(stderr).toMatch(/MAX_QUEUE_SIZE must be/);
    expect(stderr).toMatch(/REDIS_URL must be/);
  });
});
