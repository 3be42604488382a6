// Child-process plumbing shared by services.mjs and the local-stack launcher.
//
// Children run in their own process group (detached) so that a Ctrl-C in the terminal
// reaches only the parent: the parent then decides the order of shutdown (apps first,
// Redis last, so workers can still acknowledge in-flight jobs). The price is that a
// detached child would outlive a parent that dies abruptly, so three layers clean up:
// the owner's own stop(), an 'exit'/signal hook in this process, and a tiny `sh` guard
// per child that notices the parent's death (its stdin pipe reaches EOF) even after a
// SIGKILL, which no in-process hook can catch.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const live = new Set();
const exitCleanups = new Set();
let hooked = false;

// $1 = process group, $2 = tenths of a second to wait between SIGTERM and SIGKILL,
// $3 = optional directory to remove once the group is gone.
// dash's kill takes no `--`, so the group is given as a bare negative number.
const GUARD_SCRIPT = `read -r _
if kill -TERM -$1 2>/dev/null; then
  i=0
  while [ "$i" -lt "$2" ] && kill -0 -$1 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL -$1 2>/dev/null
fi
[ -n "$3" ] && rm -rf -- "$3"
exit 0`;

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

function killEverythingNow() {
  for (const handle of live) {
    killGroup(handle.pid, 'SIGKILL');
    handle._dropGuard();
  }
  live.clear();
  for (const fn of exitCleanups) {
    try {
      fn();
    } catch {
      // best effort: the process is going away regardless
    }
  }
  exitCleanups.clear();
}

function installHooks() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      // A caller with its own handler owns the shutdown order; 'exit' stays the backstop.
      if (process.listenerCount(signal) > 1) return;
      killEverythingNow();
      process.removeListener(signal, onSignal);
      // Re-raise so the exit status still says "killed by signal", as it would without us.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Registers a synchronous cleanup (e.g. removing a temp dir) for when this process exits. Returns an unregister function. */
export function onProcessExit(fn) {
  installHooks();
  exitCleanups.add(fn);
  return () => exitCleanups.delete(fn);
}

/**
 * Spawns a supervised child in its own process group.
 * options: { cwd, env, onLine(line, stream), keepAlive = true, orphanGraceMs = 5000, orphanDir, tailLines = 40 }
 * orphanDir: a temp dir the guard removes if this process dies without cleaning up.
 * keepAlive: false lets this process exit while the child still runs (the exit hook then kills it),
 * which a Jest globalSetup needs so a forgotten teardown cannot hang the run.
 */
export function spawnChild(command, args, options = {}) {
  const {
    cwd,
    env = process.env,
    onLine,
    keepAlive = true,
    orphanGraceMs = 5000,
    orphanDir = '',
    tailLines = 40,
  } = options;
  installHooks();

  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  let exitInfo = null;
  let guard = null;

  // 'close' comes after the child's stdout/stderr have ended, i.e. after its last line was read.
  const closed = new Promise((resolve) => child.once('close', resolve));
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(handle);
      handle._dropGuard();
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      // spawn failures (ENOENT, EACCES) never produce 'exit'
      if (exitInfo) return;
      exitInfo = { code: null, signal: null, error: err };
      live.delete(handle);
      handle._dropGuard();
      resolve(exitInfo);
    });
  });

  for (const [stream, name] of [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      if (onLine) onLine(line, name);
    });
    if (!keepAlive) stream.unref?.();
  }
  if (!keepAlive) child.unref();

  const handle = {
    child,
    pid: child.pid,
    exited,
    closed,
    get running() {
      return exitInfo === null;
    },
    get exitInfo() {
      return exitInfo;
    },
    tail: () => tail.slice(),
    /**
     * SIGTERM to the whole group (or, with group: false, to the child alone, for a child that
     * stops its own children), SIGKILL to the group after timeoutMs; resolves with { code, signal, forced }.
     */
    async stop({ signal = 'SIGTERM', timeoutMs = 5000, group = true } = {}) {
      if (exitInfo) return { ...exitInfo, forced: false };
      if (group) killGroup(child.pid, signal);
      else child.kill(signal);
      let timer;
      const timedOut = new Promise((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      const late = await Promise.race([exited.then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) {
        killGroup(child.pid, 'SIGKILL');
        await exited;
      }
      return { ...exitInfo, forced: late };
    },
    _dropGuard() {
      if (guard) {
        try {
          guard.kill('SIGKILL');
        } catch {
          // already gone
        }
        guard = null;
      }
    },
  };

  if (child.pid !== undefined) {
    live.add(handle);
    try {
      guard = spawn(
        'sh',
        ['-c', GUARD_SCRIPT, 'guard', String(child.pid), String(Math.ceil(orphanGraceMs / 100)), orphanDir],
        {
          detached: true,
          stdio: ['pipe', 'ignore', 'ignore'],
        },
      );
      guard.on('error', () => {
        guard = null;
      });
      // The guard must never keep this process alive, and its stdin only matters by closing.
      guard.unref();
      guard.stdin.on('error', () => {
        // EPIPE once the guard is gone: nothing to do, that is its normal end
      });
      guard.stdin.unref?.();
    } catch {
      guard = null;
    }
  }
  return handle;
}

/** "exit code 1" / "signal SIGKILL" / the spawn error, for one-line messages. */
export function describeExit(info) {
  if (!info) return 'still running';
  if (info.error) return info.error.message;
  if (info.signal) return `signal ${info.signal}`;
  return `exit code ${info.code}`;
}
