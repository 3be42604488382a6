// Finds the Debian programs the tests need (redis-server, promtool, the prometheus server,
// amtool, chromium), installing the package that ships each one when it is missing and this
// process may do so (root, apt-get present). Otherwise the caller gets one line saying what to
// install. Run as a script (`node tools/testing/debian-tools.mjs install`, as root) it installs
// every missing one in one apt-get run: CI (.ci/run and the workflow) installs through it.

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Debian package that ships each program the tests run. */
export const PACKAGE_OF = {
  'redis-server': 'redis-server',
  promtool: 'prometheus',
  amtool: 'prometheus-alertmanager',
  // Driven by playwright-core in the review page's browser test.
  chromium: 'chromium',
};

const PROMTOOL_MISSING = 'promtool is not installed: apt-get install -y prometheus';

export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

const mayInstall = () => typeof process.getuid === 'function' && process.getuid() === 0 && onPath('apt-get') !== null;

function run(script) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.on('error', () => resolve(-1));
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

// Package lists are usually current (CI has just installed redis-server), so the update only
// runs when a plain install fails. The lock timeout lets parallel test runs queue up.
async function aptInstall(...pkgs) {
  const install = `apt-get install -y -qq -o DPkg::Lock::Timeout=120 ${pkgs.join(' ')}`;
  if ((await run(install)) === 0) return 0;
  return run(`apt-get update -qq && ${install}`);
}

const pending = new Map();

function ensure(binary, pkg) {
  if (!pending.has(binary)) {
    const attempt = (async () => {
      const found = onPath(binary);
      if (found || !mayInstall()) return found;
      process.stderr.write(`${binary} not found; installing the Debian package ${pkg} with apt-get\n`);
      const code = await aptInstall(pkg);
      const installed = onPath(binary);
      if (!installed) process.stderr.write(`installing ${pkg} with apt-get failed (exit ${code})\n`);
      return installed;
    })();
    pending.set(binary, attempt);
  }
  return pending.get(binary);
}

/** Resolves with the path of redis-server, installing it first if need be; else rejects with one line. */
export async function ensureRedisServer() {
  const found = await ensure('redis-server', 'redis-server');
  if (!found) throw new Error('redis-server is not installed: apt-get install -y redis-server');
  return found;
}

/** Resolves with the path of promtool, installing `prometheus` first if need be; else rejects with one line. */
export async function ensurePromtool() {
  const found = await ensure('promtool', 'prometheus');
  if (!found) throw new Error(PROMTOOL_MISSING);
  return found;
}

/** The prometheus server binary; it ships in the same package as promtool. */
export async function ensurePrometheus() {
  await ensurePromtool();
  const found = onPath('prometheus');
  if (!found)
    throw new Error('the prometheus binary is missing although promtool is installed: apt-get install -y prometheus');
  return found;
}

/** Resolves with the path of amtool, or null where it is missing and cannot be installed. */
export function ensureAmtool() {
  return ensure('amtool', 'prometheus-alertmanager');
}

/** Installs, in one apt-get run, the package of every program in PACKAGE_OF that is missing. */
export async function installMissing() {
  const missing = [
    ...new Set(
      Object.keys(PACKAGE_OF)
        .filter((bin) => !onPath(bin))
        .map((bin) => PACKAGE_OF[bin]),
    ),
  ];
  if (!missing.length) return 0;
  if (!mayInstall()) {
    process.stderr.write(
      `missing, and this process cannot install them (run as root): apt-get install -y ${missing.join(' ')}\n`,
    );
    return 1;
  }
  process.stderr.write(`installing ${missing.join(' ')} with apt-get\n`);
  return aptInstall(...missing);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] !== 'install') {
    process.stderr.write('usage: node tools/testing/debian-tools.mjs install\n');
    process.exit(2);
  }
  process.exit(await installMissing());
}
