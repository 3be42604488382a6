import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ts from 'typescript';
import { run, WORKSPACE } from './support';

const LOAD = join(WORKSPACE, 'tools/load-tests/load.mjs');
const K6_SCRIPT = join(WORKSPACE, 'tools/load-tests/load-test.js');

/** Runs an ES module snippet that imports load.mjs (an ES module Jest cannot load) and prints JSON. */
async function evaluate(snippet: string): Promise<unknown> {
  const out = await run(process.execPath, [
    '--input-type=module',
    '-e',
    `import * as load from ${JSON.stringify(LOAD)};\nconst result = await (async () => { ${snippet} })();\nprocess.stdout.write(JSON.stringify(result));`,
  ]);
  if (out.code !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}

describe('the k6 script', () => {
  const source = readFileSync(K6_SCRIPT, 'utf8');

  it('parses as an ES module', () => {
    const file = ts.createSourceFile('load-test.js', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    const diagnostics = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '))).toEqual([]);
  });

  it('ramps the arrival rate to 100 images/s and holds thresholds on p95 latency and errors', () => {
    expect(source).toMatch(/executor: 'ramping-arrival-rate'/);
    expect(source).toMatch(/const PEAK_RATE = Number\(__ENV\.PEAK_RATE \|\| 100\)/);
    expect(source).toMatch(/uploads_failed: \['rate<0\.01'\]/);
    expect(source).toMatch(/'http_req_duration\{name:upload\}': \['p\(95\)<\d+'\]/);
    expect(source).toMatch(/job_end_to_end_seconds: \['p\(95\)<\d+'\]/);
  });
});

describe('npm run load: its parts', () => {
  it('refuses unbounded or unknown options', async () => {
    const refusals = (await evaluate(`
      const tries = [['--count', '0'], ['--count', '1000001'], ['--duration', '0'], ['--rate', '5000'], ['--bogus', '1'], ['--url', 'ftp://x']];
      return tries.map((argv) => { try { load.parseOptions(argv, {}); return 'accepted'; } catch (err) { return err.message; } });
    `)) as string[];
    expect(refusals).toEqual([
      '--count must be a number from 1 to 100000',
      '--count must be a number from 1 to 100000',
      '--duration must be a number from 1 to 3600',
      '--rate must be a number from 0.1 to 1000',
      'unknown option --bogus',
      '--url must be an http(s) URL (got "ftp://x")',
    ]);
  });

  it('schedules arrivals on a linear ramp to the peak rate, then at the peak', async () => {
    const due = (await evaluate(`
      const o = { rate: 100, ramp: 10 };
      return [0, 5, 10, 11, 20].map((t) => load.arrivalsBy(t, o));
    `)) as number[];
    // 1/s rising to 100/s over 10 s: 505 images by then, then 100 more each second.
    expect(due.map((n) => Math.round(n))).toEqual([0, 129, 505, 605, 1505]);
  });

  it('signs tokens the api\u2019s verifier accepts, with the scopes uploads and status need', async () => {
    const token = (await evaluate(
      `return load.signToken('a-secret-of-at-least-thirty-two-bytes!', { subject: 'load-test-1', issuer: 'imgpipe-tests', audience: 'imgpipe' });`,
    )) as string;
    const { jwtVerify } = await import('jose');
    const { payload } = await jwtVerify(token, new TextEncoder().encode('a-secret-of-at-least-thirty-two-bytes!'), {
      algorithms: ['HS256'],
      issuer: 'imgpipe-tests',
      audience: 'imgpipe',
    });
    expect(payload).toMatchObject({ sub: 'load-test-1', scope: 'images:write images:read' });
  });
});

describe('npm run load against an HTTP server speaking the api\u2019s protocol', () => {
  // Answers like the api: every 5th upload is refused as queue full, one job fails, the rest
  // complete 1.5 s after they were accepted.
  let server: Server;
  let url: string;
  let scratch: string;
  const jobs = new Map<string, { created: number; fails: boolean }>();
  const seenTokens = new Set<string>();

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'imgpipe-load-'));
    writeFileSync(join(scratch, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    writeFileSync(join(scratch, 'b.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    let uploads = 0;
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      seenTokens.add(req.headers.authorization ?? '');
      if (req.url === '/health') return reply(200, { status: 'ok' });
      if (req.method === 'POST' && req.url === '/upload') {
        req.resume();
        req.on('end', () => {
          uploads += 1;
          if (uploads % 5 === 0) return reply(429, { statusCode: 429, code: 'queue_full', message: 'queue full' });
          const id = `job-${uploads}`;
          jobs.set(id, { created: Date.now() / 1000, fails: uploads === 3 });
          reply(202, { job_id: id, status: 'submitted' });
        });
        return undefined;
      }
      const job = jobs.get(/^\/status\/(.+)$/.exec(req.url ?? '')?.[1] ?? '');
      if (!job) return reply(404, { code: 'not_found' });
      const done = Date.now() / 1000 >= job.created + 1.5;
      return reply(200, {
        status: done ? (job.fails ? 'failed' : 'completed') : 'processing',
        created_at: job.created,
        updated_at: done ? job.created + 1.5 : job.created,
        ...(job.fails && { error: 'invalid_image: cannot decode' }),
      });
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((closed) => server.close(closed));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('counts accepted, 429s, completed and failed, reports latency and images/s, and fails on the failed job', async () => {
    const out = await run(
      process.execPath,
      [LOAD, '--url', url, '--images', scratch, '--count', '20', '--rate', '20', '--ramp', '0', '--duration', '30'],
      { env: { ...process.env, AUTH_JWT_SECRET: 'a-secret-of-at-least-thirty-two-bytes!' } },
    );
    expect(out.stdout).toMatch(/^accepted {6}16$/m);
    expect(out.stdout).toMatch(/^429s {10}4 \(queue full 4, rate limited 0\)$/m);
    expect(out.stdout).toMatch(/^completed {5}15$/m);
    expect(out.stdout).toMatch(/^failed {8}1$/m);
    expect(out.stdout).toMatch(/^latency s {5}p50 1\.50 {2}p95 1\.50/m);
    expect(out.stdout).toMatch(/^images\/s {6}\d+\.\d\d/m);
    expect(out.stdout).toMatch(/1 x job failed: invalid_image: cannot decode/);
    expect(out.stderr).toMatch(/FAILED: error ratio 0\.050 above --max-error-ratio 0\.01/);
    expect(out.code).toBe(1);
    // Eight subjects in turn, so a per-subject rate limit sees eight clients.
    expect([...seenTokens].filter((t) => t.startsWith('Bearer ')).length).toBe(8);
  });

  it('stops at --duration even when jobs never finish', async () => {
    jobs.clear();
    const started = Date.now();
    const out = await run(process.execPath, [
      LOAD,
      '--url',
      url,
      '--images',
      join(scratch, 'a.jpg'),
      '--count',
      '3',
      '--rate',
      '10',
      '--ramp',
      '0',
      '--duration',
      '1',
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.stdout).toMatch(/^unfinished {4}3$/m);
    expect(out.code).toBe(1);
  });
});
