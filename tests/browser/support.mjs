// What the browser suites share: where things are, the gatehouse CLI, starting `gatehouse serve`
// on a free port (and any other child process) and stopping it by PID, also when node ends early.
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const BIN = process.env.GATEHOUSE_BIN || path.join(ROOT, 'build/src/app/gatehouse');
export const OUTPUT = process.env.GATEHOUSE_TEST_OUTPUT || path.join(ROOT, 'build/test-output');
export const CHROMIUM = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = Number(process.env.GATEHOUSE_START_TIMEOUT || 30) * 1000;

// As root on this machine: no sandbox, no GPU, and nothing that reaches out to the network.
// playwright-core gives every launch a new, empty profile directory (--user-data-dir) itself.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

// The processes this file started and has not stopped yet. If node ends without running the
// `after` hook (an uncaught error, a signal handled below), they are killed by PID on the way out.
const children = new Set();
// Temporary directories, removed on the way out as well.
export const scratchDirs = new Set();
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;  // stopped and reaped
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

// Ended by a catchable signal (Ctrl-C, a runner that gives up): exit, so that the hook above runs.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => process.exit(128 + osConstants.signals[signal]));
}

export function track(proc) {
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}

export function cliEnv() {
  const env = { ...process.env };
  delete env.GATEHOUSE_MASTER_KEY;
  return env;
}

export function gatehouse(...args) {
  let stdout;
  try {
    stdout = execFileSync(BIN, args, { env: cliEnv(), encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`gatehouse ${args.join(' ')} failed (${e.status}): ${e.stderr}`);
  }
  return stdout.trim() ? JSON.parse(stdout) : null;
}

// Reads a process's output line by line; resolves with the first line that `accept` maps to a
// non-null value. Keeps reading afterwards, so the process never blocks on a full pipe.
export function firstLine(proc, stream, accept, what, log) {
  let pending = '';
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      proc.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${START_TIMEOUT_MS} ms; log:\n${log.join('\n')}`));
    }, START_TIMEOUT_MS);
    proc.on('error', (e) => { clearTimeout(timer); if (!done) { done = true; reject(e); } });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!done) { done = true; reject(new Error(`${what} exited (${code ?? signal}); log:\n${log.join('\n')}${pending}`)); }
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        log.push(line);
        if (done) continue;
        let value = null;
        try { value = accept(JSON.parse(line)); } catch { continue; }
        if (value !== null && value !== undefined) {
          done = true;
          clearTimeout(timer);
          resolve(value);
        }
      }
    });
  });
}

export async function startServer(dataDir, ...extra) {
  const proc = track(spawn(BIN, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...extra], {
    env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'],
  }));
  const log = [];
  const port = await firstLine(proc, proc.stderr, (e) => (e.msg === 'gatehouse listening' ? Number(e.port) : null),
    'gatehouse', log);
  return { proc, port, log };
}

// SIGTERM by PID, then wait for the exit (SIGKILL if it does not come).
export function stop(proc, timeoutMs = 15_000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { process.kill(proc.pid, 'SIGKILL'); }, timeoutMs);
    proc.removeAllListeners('exit');
    proc.on('exit', (code, signal) => { clearTimeout(timer); resolve(code ?? signal); });
    process.kill(proc.pid, 'SIGTERM');
  });
}
