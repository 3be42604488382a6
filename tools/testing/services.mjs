// Private, throwaway Redis and S3 (s3rver) instances for tests and the local stack.
// Each instance gets its own port and temp dir so parallel runs, a developer's own Redis
// and CI never share state. No top-level await: this module must also load through
// require() (Node >= 20.19) from a CommonJS-compiled Jest globalSetup.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeExit, onProcessExit, spawnChild } from './processes.mjs';
import { ensureRedisServer } from './debian-tools.mjs';

export { ensureRedisServer };

const require = createRequire(import.meta.url);
const STARTUP_TIMEOUT_MS = 15_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with a TCP port that was free on `host` a moment ago. */
export function findFreePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

// Parses one RESP reply of the simple kinds PING/INFO produce; undefined while incomplete.
function parseReply(buf) {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[0]);
  const head = buf.toString('utf8', 1, eol);
  if (type === '+') return head;
  if (type === '-') return new Error(head);
  if (type === ':') return Number(head);
  if (type === '$') {
    const len = Number(head);
    if (len < 0) return null;
    if (buf.length < eol + 2 + len + 2) return undefined;
    return buf.toString('utf8', eol + 2, eol + 2 + len);
  }
  return new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
}

function redisCommand(port, args, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ port, host: '127.0.0.1' });
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error('timed out')), timeoutMs);
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const reply = parseReply(buf);
      if (reply !== undefined) finish(null, reply);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('connection closed')));
  });
}

// Ready means: answers PING, and the server on the port is *our* child (its pid), not
// some other Redis that happened to hold the port while ours fails to bind.
async function redisIsOurs(port, pid) {
  try {
    if ((await redisCommand(port, ['PING'])) !== 'PONG') return false;
    const info = await redisCommand(port, ['INFO', 'server']);
    return typeof info === 'string' && new RegExp(`^process_id:${pid}\\r?$`, 'm').test(info);
  } catch {
    return false;
  }
}

function lastLines(lines, n = 2) {
  // Redis prefixes each log line with "pid:role date time level"; the message is what matters.
  return lines
    .map((l) => l.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [.\-*#] /, '').trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}

function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const unregister = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    remove() {
      unregister();
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

async function launchRedis(binary, port, onLine) {
  const temp = makeTempDir('redis-');
  const logfile = join(temp.dir, 'redis.log');
  // Logs go to stdout when a caller wants to show them live, otherwise to a file kept for diagnosis.
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    temp.dir,
    '--pidfile',
    join(temp.dir, 'redis.pid'),
    ...(onLine ? [] : ['--logfile', logfile]),
  ];
  const proc = spawnChild(binary, args, {
    cwd: temp.dir,
    onLine: onLine ? (line) => onLine(line) : undefined,
    keepAlive: false,
    orphanGraceMs: 2000,
    orphanDir: temp.dir,
  });
  const logTail = () => {
    if (onLine) return proc.tail();
    try {
      return readFileSync(logfile, 'utf8').split('\n');
    } catch {
      return proc.tail();
    }
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (!proc.running) {
      const tail = logTail();
      temp.remove();
      const err = new Error(
        `redis-server on port ${port} exited during startup (${describeExit(proc.exitInfo)}): ${lastLines(tail) || 'no output'}`,
      );
      if (tail.some((l) => /address already in use/i.test(l))) err.code = 'EADDRINUSE';
      throw err;
    }
    if (await redisIsOurs(port, proc.pid)) break;
    if (Date.now() > deadline) {
      await proc.stop({ signal: 'SIGKILL' });
      const tail = logTail();
      temp.remove();
      throw new Error(
        `redis-server on port ${port} did not answer PING within ${STARTUP_TIMEOUT_MS / 1000} s: ${lastLines(tail)}`,
      );
    }
    await sleep(50);
  }

  let stopping = null;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    exited: proc.exited,
    stop() {
      stopping ??= proc.stop({ timeoutMs: 5000 }).then(() => temp.remove());
      return stopping;
    },
  };
}

/**
 * Starts a private redis-server (no persistence, 127.0.0.1 only) as a child process.
 * options: { port?, onLine?(line) }. Without a port it picks a free one (and retries if another
 * process grabs it first). Resolves once the server answers PING.
 */
export async function startRedis({ port, onLine } = {}) {
  const binary = await ensureRedisServer();
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await findFreePort());
    try {
      return await launchRedis(binary, chosen, onLine);
    } catch (err) {
      if (port === undefined && err.code === 'EADDRINUSE' && attempt < 5) continue;
      throw err;
    }
  }
}

function s3rverBin() {
  return join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
}

function httpStatus(url, method = 'GET', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Starts s3rver with `bucket` already created. options: { port?, bucket, onLine?(line) }.
 * Without a port s3rver binds port 0 and reports the one it got, so there is no race for it.
 * Clients need forcePathStyle: true and credentials S3RVER / S3RVER.
 */
export async function startS3rver({ port, bucket, onLine } = {}) {
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
    throw new Error(`startS3rver: bucket must be a valid S3 bucket name (got ${JSON.stringify(bucket)})`);
  }
  const temp = makeTempDir('s3rver-');
  let announced = null;
  // Without the legacy provider, truncated ListObjectsV2 answers 500: s3rver encrypts
  // continuation tokens with DES, which OpenSSL 3 only offers there.
  const proc = spawnChild(
    process.execPath,
    [
      '--openssl-legacy-provider',
      s3rverBin(),
      '-d',
      temp.dir,
      '-a',
      '127.0.0.1',
      '-p',
      String(port ?? 0),
      '--silent',
      '--configure-bucket',
      bucket,
    ],
    {
      cwd: temp.dir,
      keepAlive: false,
      orphanGraceMs: 2000,
      orphanDir: temp.dir,
      onLine: (line) => {
        const match = /S3rver listening on \S+?:(\d+)/.exec(line);
        if (match) announced = Number(match[1]);
        if (onLine) onLine(line);
      },
    },
  );

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (!proc.running) {
      temp.remove();
      throw new Error(
        `s3rver exited during startup (${describeExit(proc.exitInfo)}): ${lastLines(proc.tail()) || 'no output'}`,
      );
    }
    // The announcement comes after s3rver has created the bucket; the request proves it serves it.
    if (announced !== null && (await httpStatus(`http://127.0.0.1:${announced}/${bucket}`, 'HEAD')) === 200) break;
    if (Date.now() > deadline) {
      await proc.stop({ signal: 'SIGKILL' });
      temp.remove();
      throw new Error(
        `s3rver did not serve bucket ${bucket} within ${STARTUP_TIMEOUT_MS / 1000} s: ${lastLines(proc.tail())}`,
      );
    }
    await sleep(50);
  }

  let stopping = null;
  return {
    endpoint: `http://127.0.0.1:${announced}`,
    port: announced,
    bucket,
    dir: temp.dir,
    pid: proc.pid,
    exited: proc.exited,
    stop() {
      stopping ??= proc.stop({ timeoutMs: 5000 }).then(() => temp.remove());
      return stopping;
    },
  };
}
