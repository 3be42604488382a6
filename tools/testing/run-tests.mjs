#!/usr/bin/env node
// `npm test`: every project's unit tests, then the pipeline integration tests against a real
// Redis and S3 (s3rver). The integration project's Jest globalSetup starts those services
// itself through services.mjs; this script only makes sure redis-server is installed.
// Both steps run even when the first fails, so one CI run reports everything that is broken.

import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRedisServer } from './services.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INTEGRATION_PROJECT = 'pipeline-e2e';

const env = {
  ...process.env,
  SCARF_ANALYTICS: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // No daemon: a CI run must not depend on, or leave behind, a background Nx process.
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
};

let interrupted = null;
// The children share our terminal's process group and get Ctrl-C themselves; we only wait
// for them to finish so the summary still prints.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = signal;
  });
}

// Jest's per-project "Tests:" lines, summed into one closing line for the whole run.
const totals = { passed: 0, failed: 0, skipped: 0 };
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function countTests(text) {
  for (const line of text.replace(ANSI, '').split('\n')) {
    if (!/\bTests:\s/.test(line)) continue;
    for (const kind of Object.keys(totals)) {
      const match = new RegExp(`(\\d+) ${kind}`).exec(line);
      if (match) totals[kind] += Number(match[1]);
    }
  }
}

function runStep(args) {
  return new Promise((resolvePromise) => {
    // --no: never download an nx from the registry if node_modules is missing one.
    const child = spawn('npx', ['--no', 'nx', ...args], { cwd: ROOT, env, stdio: ['inherit', 'pipe', 'pipe'] });
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      let pending = '';
      from.on('data', (chunk) => {
        to.write(chunk);
        const text = pending + chunk.toString();
        const cut = text.lastIndexOf('\n') + 1;
        countTests(text.slice(0, cut));
        pending = text.slice(cut);
      });
      from.on('end', () => countTests(pending));
    }
    child.on('error', (err) => resolvePromise({ ok: false, detail: err.message }));
    child.on('exit', (code, signal) => {
      resolvePromise(code === 0 ? { ok: true } : { ok: false, detail: signal ? `signal ${signal}` : `exit ${code}` });
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;
const results = [];

async function step(name, fn) {
  if (interrupted) {
    results.push(`${name} skipped (${interrupted})`);
    return false;
  }
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const outcome = await fn();
  const took = seconds(Date.now() - started);
  results.push(outcome.ok ? `${name} passed (${took})` : `${name} FAILED (${outcome.detail}, ${took})`);
  return outcome.ok;
}

async function main() {
  let redisReady = true;
  try {
    await ensureRedisServer();
  } catch (err) {
    redisReady = false;
    process.stderr.write(`${err.message}\n`);
  }

  // pipeline-e2e's specs need built apps and services, so they belong to the integration step
  // only, even if @nx/jest/plugin infers a `test` target for it from its jest config.
  const unitOk = await step('unit', () =>
    runStep(['run-many', '-t', 'test', `--exclude=${INTEGRATION_PROJECT}`, '--skip-nx-cache', '--output-style=stream']),
  );

  let integrationOk = false;
  if (redisReady) {
    integrationOk = await step('integration', () =>
      runStep(['run', `${INTEGRATION_PROJECT}:integration`, '--skip-nx-cache', '--output-style=stream']),
    );
  } else {
    results.push('integration skipped (no redis-server)');
  }

  const ok = unitOk && integrationOk && !interrupted;
  process.stdout.write(`\ntests ${ok ? 'passed' : 'FAILED'}: ${results.join('; ')}\n`);
  const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
  // A step that failed before Jest counted anything (a compile error, a crash) still counts as a failure.
  const failed = ok ? totals.failed : Math.max(totals.failed, 1);
  process.stdout.write(`${totals.passed} passed, ${failed} failed${skipped}\n`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`run-tests: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
