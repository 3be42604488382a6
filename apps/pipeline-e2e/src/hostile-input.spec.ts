import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { JobStatusView, UploadAccepted, storageKeys } from '@imgpipe/contracts';
import { Json, Stack, memoryBytes, photos } from './support/stack';

const MIB = 1024 * 1024;

/** A PNG chunk with its CRC, so the file is structurally valid whatever it claims. */
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A few hundred bytes declaring a 60000 x 60000 RGBA image: 14.4 gigapixel bytes once decoded. */
function pngBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(60_000, 0);
  ihdr.writeUInt32BE(60_000, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // One row of zeros, compressed: the rest of the image would follow in the same pattern.
  const idat = deflateSync(Buffer.alloc(60_000 * 4 + 1));
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A real JPEG whose frame header is rewritten to claim 65000 x 65000 pixels. */
function jpegBomb(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  const sof = out.indexOf(Buffer.from([0xff, 0xc0]));
  out.writeUInt16BE(65_000, sof + 5);
  out.writeUInt16BE(65_000, sof + 7);
  return out;
}

/** A JPEG with an APP1 Exif segment of maximum size whose IFD offsets point everywhere. */
function hugeExif(jpeg: Buffer): Buffer {
  const payload = Buffer.alloc(65_000, 0xab);
  Buffer.from('Exif\0\0MM\0\x2a\0\0\0\x08\xff\xff', 'latin1').copy(payload);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, payload, jpeg.subarray(2)]);
}

describe('hostile input', () => {
  let stack: Stack;
  let jpeg: Buffer;
  let png: Buffer;
  const slippedThrough: { name: string; jobId: string; format: 'jpeg' | 'png' }[] = [];

  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 15,
      env: { MAX_UPLOAD_BYTES: String(2 * MIB), MAX_BATCH_FILES: '3' },
    });
    jpeg = await sharp(photos()[0]).resize(480).jpeg().toBuffer();
    png = await sharp(photos()[1]).resize(320).png().toBuffer();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers every file of a hostile corpus with a 4xx or an accepted job, never a 500', async () => {
    const truncatedPng = png.subarray(0, png.length - 100);
    const corpus: [name: string, bytes: Buffer, expected: number[]][] = [
      ['random-behind-jpeg-header.jpg', Buffer.concat([jpeg.subarray(0, 4), randomBytes(64 * 1024)]), [422]],
      ['random.bin', randomBytes(4096), [415]],
      ['truncated.jpg', jpeg.subarray(0, jpeg.length >> 1), [422]],
      ['truncated.png', truncatedPng, [422]],
      ['bomb.png', pngBomb(), [422]],
      ['bomb.jpg', jpegBomb(jpeg), [422]],
      ['zero.jpg', Buffer.alloc(0), [400]],
      ['zeros.jpg', Buffer.alloc(8192), [415]],
      ['huge-exif.jpg', hugeExif(jpeg), [202, 422]],
      ['image.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), [415]],
      ['svg-named.png', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), [415]],
      ['anim.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), [415]],
      [
        'jpeg-zip-polyglot.jpg',
        Buffer.concat([jpeg, Buffer.from('PK\x03\x04POLYGLOT-PAYLOAD<script>', 'latin1')]),
        [202],
      ],
      ['png-html-polyglot.png', Buffer.concat([png, Buffer.from('<html>POLYGLOT-PAYLOAD</html>')]), [202]],
      ['../../etc/passwd\r\n.jpg', jpeg, [202]],
    ];
    for (const [name, bytes, expected] of corpus) {
      const started = Date.now();
      const res = await stack.uploadBytes(bytes, name);
      const body = (await res.json()) as Json;
      expect(`${name}: ${res.status}`).toMatch(new RegExp(`: (${expected.join('|')})$`));
      // Refusals are decided from headers and container structure: fast even for bombs.
      expect(Date.now() - started).toBeLessThan(2000);
      if (res.status === 202) {
        // eslint-disable-next-line no-control-regex
        expect(body.filename).not.toMatch(/[/\\\u0000-\u001f]/);
        slippedThrough.push({
          name,
          jobId: (body as UploadAccepted).job_id,
          format: name.endsWith('.png') ? 'png' : 'jpeg',
        });
      } else {
        expect(body).toEqual({ statusCode: res.status, code: expect.any(String), message: expect.any(String) });
      }
    }
    expect(slippedThrough.find((j) => j.name.startsWith('../'))).toBeDefined();
    expect((await stack.get('/health')).status).toBe(200);
  });

  it('ends every job that slipped through completed or failed with a reason, and the worker keeps running', async () => {
    for (const { name, jobId, format } of slippedThrough) {
      const done: JobStatusView = await stack.waitFor(jobId);
      if (done.status === 'failed') {
        expect({ name, error: done.error }).toEqual({ name, error: expect.any(String) });
        continue;
      }
      // Whatever rode along behind the image is not carried into the processed copy.
      const processed = await stack.storage.getBuffer(storageKeys.processed(jobId, format));
      expect({ name, payload: processed.includes('POLYGLOT-PAYLOAD') }).toEqual({ name, payload: false });
      expect((await sharp(processed).metadata()).format).toBe(format);
    }
    const worker = stack.workers[0];
    expect(worker.proc.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${worker.port}/health`)).status).toBe(200);
    expect(worker.output.filter((line) => /uncaught|unhandled/i.test(line))).toEqual([]);
  });

  it('answers 413 to an oversized upload without reading it whole, and 400 to malformed requests', async () => {
    const big = await stack.uploadBytes(Buffer.concat([jpeg, randomBytes(3 * MIB)]), 'big.jpg');
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ statusCode: 413, code: 'payload_too_large' });

    // 256 MiB streamed with no Content-Length: the api keeps at most MAX_UPLOAD_BYTES of it and
    // discards the rest as it arrives (so the client can read the 413), so its peak memory grows by
    // a fraction of the upload, not by its size (measured: 16 MiB for 16 MiB sent, 36 MiB for 256).
    const peakRss = () => memoryBytes(stack.api, 'VmHWM');
    const peakBefore = peakRss();
    let sent = 0;
    const chunk = randomBytes(MIB);
    const boundary = 'hostile-boundary';
    const body = new ReadableStream({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.jpg"\r\n\r\n`),
          );
        if (sent >= 256) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const huge = await fetch(`${stack.baseUrl}/upload`, {
      method: 'POST',
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    expect(huge.status).toBe(413);
    expect(sent).toBe(256);
    expect(peakRss() - peakBefore).toBeLessThan(64 * MIB);

    const tooMany = new FormData();
    for (let i = 0; i < 4; i++) tooMany.append('files', new Blob([new Uint8Array(jpeg)]), `${i}.jpg`);
    const batch = await fetch(`${stack.baseUrl}/batch-upload`, { method: 'POST', body: tooMany });
    expect(batch.status).toBe(400);
    expect(await batch.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/too many files/i) });

    const noBoundary = await fetch(`${stack.baseUrl}/upload`, {
      method: 'POST',
      body: 'garbage',
      headers: { 'content-type': 'multipart/form-data' },
    });
    expect(noBoundary.status).toBe(400);
    const cutForm = await fetch(`${stack.baseUrl}/upload`, {
      method: 'POST',
      body: `--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n${readFileSync(photos()[0]).subarray(0, 100).toString('latin1')}`,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(cutForm.status).toBe(400);
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: slippedThrough.length });
  });
});
