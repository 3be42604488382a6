import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import sharp from 'sharp';
import { storageKeys } from '@imgpipe/contracts';
import { Json, Stack, memoryBytes, photos } from './support/stack';

const MIB = 1024 * 1024;

interface Answer {
  status: number;
  body: Json;
  retryAfter: string | null;
}

describe('memory across concurrent large uploads', () => {
  let stack: Stack;
  let png: Buffer;
  beforeAll(async () => {
    // The defaults under test: MAX_UPLOAD_BYTES 25 MiB, MAX_UPLOAD_BYTES_IN_FLIGHT 128 MiB. No worker:
    // what is accepted stays queued, to be counted.
    stack = await Stack.start({
      storage: 'local',
      redisDb: 6,
      workers: 0,
      env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
    });
    // About 20 MB of a real, valid PNG: noise does not compress.
    const side = 2650;
    png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('holds 100 concurrent 20 MB uploads to a bounded RSS, answering each 202, 429 or 503 with a reason', async () => {
    expect(png.length).toBeGreaterThan(20 * MIB);
    // Code paths and libraries loaded before the baseline is taken.
    expect((await stack.upload(photos()[0])).status).toBe(202);
    const peakBefore = memoryBytes(stack.api, 'VmHWM');

    const blob = new Blob([new Uint8Array(png)]);
    const withLength = (i: number) => {
      const form = new FormData();
      form.append('file', blob, `large-${i}.png`);
      return form;
    };
    // The same bytes as a stream, without Content-Length: counted only as they arrive.
    const streamed = (i: number) => {
      const boundary = `memory-${i}`;
      const parts = [
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="streamed-${i}.png"\r\n\r\n`,
        ),
        ...Array.from({ length: Math.ceil(png.length / MIB) }, (_, k) => png.subarray(k * MIB, (k + 1) * MIB)),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ];
      return {
        body: new ReadableStream({
          pull(controller) {
            const next = parts.shift();
            if (next) controller.enqueue(new Uint8Array(next));
            else controller.close();
          },
        }),
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        duplex: 'half',
      };
    };

    const answers: Answer[] = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const init = i % 5 === 4 ? streamed(i) : { body: withLength(i) };
        const res = await fetch(`${stack.baseUrl}/upload`, {
          method: 'POST',
          ...init,
          signal: AbortSignal.timeout(60_000),
        } as RequestInit);
        return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
      }),
    );
    const growth = memoryBytes(stack.api, 'VmHWM') - peakBefore;
    const byStatus = (status: number) => answers.filter((a) => a.status === status);
    console.log(
      `100 x ${(png.length / MIB).toFixed(1)} MiB at once: ` +
        `${JSON.stringify(Object.fromEntries([202, 429, 503].map((s) => [s, byStatus(s).length])))}, ` +
        `api peak RSS grew ${(growth / MIB).toFixed(0)} MiB`,
    );

    expect(answers.filter((a) => ![202, 429, 503].includes(a.status))).toEqual([]);
    expect(growth).toBeLessThan(200 * MIB);
    // The bound is what held memory: some uploads were turned away for it, before being read whole.
    const refused = byStatus(503);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.body).toMatchObject({ statusCode: 503, code: 'uploads_in_flight' });
      expect(answer.body.message).toMatch(/MAX_UPLOAD_BYTES_IN_FLIGHT/);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    for (const answer of byStatus(429)) expect(answer.body).toMatchObject({ code: 'queue_full' });

    // Nothing accepted is lost: each one's original is stored whole, recorded and queued.
    const accepted = byStatus(202).map((a) => a.body.job_id as string);
    expect(accepted.length).toBeGreaterThan(0);
    if (stack.storageOptions.driver !== 'local') throw new Error('local storage expected');
    for (const id of accepted) {
      expect(statSync(`${stack.storageOptions.dataDir}/${storageKeys.original(id, 'png')}`).size).toBe(png.length);
      expect((await stack.getJson(`/status/${id}`)).status).toBe('submitted');
    }
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: accepted.length + 1 });
    expect((await stack.getJson('/queue-status')).waiting).toBe(accepted.length + 1);
  }, 120_000);
});
