// What the browser suites share: where things are, the gatehouse CLI, starting `gatehouse serve`
// on a free port (and any other child process) and stopping it by PID, also when node ends early;
// the SMTP sink (tests/support/smtp_sink.py) and its messages; small HTTP servers of the test's
// own (an application's redirect URI, a back-channel logout receiver); a page that records
// what went wrong in it; and the steps of the hosted email-code sign-in.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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

// A port of 127.0.0.1 that nothing listens on right now (for a server whose URL must be known
// before it starts: an issuer, a redirect URI).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// `gatehouse serve` on `port` with the issuer http://127.0.0.1:port (the issuer `init` was given
// is overridden). When the port was taken between the probe and the bind, another free one is
// tried (three attempts): use the returned port and envUrl.
export async function startServerAt(dataDir, port, ...extra) {
  for (let attempt = 1; ; attempt++) {
    const envUrl = `http://127.0.0.1:${port}`;
    const args = ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--issuer', envUrl, ...extra];
    const proc = track(spawn(BIN, args, { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] }));
    const log = [];
    try {
      const listening = await firstLine(proc, proc.stderr,
        (e) => (e.msg === 'gatehouse listening' ? Number(e.port) : null), 'gatehouse', log);
      assert.equal(listening, port);
      return { proc, port, log, envUrl };
    } catch (e) {
      if (attempt === 3) throw e;
      port = await freePort();
    }
  }
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

// Polls `predicate` until it returns a value (deadline-bounded; the interval is not a timing assumption).
export async function waitUntil(predicate, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- the SMTP sink and its messages

const SINK = path.join(ROOT, 'tests/support/smtp_sink.py');
const SINK_PYTHON = '/usr/bin/python3';  // Debian's, which has python3-aiosmtpd

export async function startSink(dir) {
  const proc = track(spawn(SINK_PYTHON, [SINK, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => log.push(chunk));
  const port = await firstLine(proc, proc.stdout, (e) => e.port ?? null, 'smtp sink', log);
  return { proc, port, dir, log, url: `smtp://127.0.0.1:${port}` };
}

// The SAML 2.0 IdP of the tests (tests/support/saml_idp.py, pysaml2 from Debian) on a free port.
// It reads the SP's metadata from `spMetadataPath` when a request needs it.
export async function startSamlIdp(spMetadataPath, { email, given = 'Carol', family = 'Globex' } = {}) {
  const script = path.join(ROOT, 'tests/support/saml_idp.py');
  const args = [script, '--sp-metadata', spMetadataPath];
  if (email) args.push('--email', email, '--given', given, '--family', family);
  const proc = track(spawn(SINK_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => log.push(chunk));
  const port = await firstLine(proc, proc.stdout, (e) => e.port ?? null, 'saml idp', log);
  const origin = `http://127.0.0.1:${port}`;
  return { proc, port, log, origin, metadataUrl: `${origin}/metadata`, close: () => stop(proc) };
}

function decodeQuotedPrintable(s) {
  const bytes = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// { to, subject, text, code, link } of a message as the sink wrote it (multipart/alternative).
export function parseMail(raw) {
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const header = (name) => (head.match(new RegExp(`^${name}: (.*)$`, 'mi')) || [])[1];
  const boundary = (head.match(/boundary="([^"]+)"/) || [])[1];
  assert.ok(boundary, `a multipart message:\n${raw}`);
  const plain = raw.split(`--${boundary}`).find((p) => /Content-Type: text\/plain/i.test(p));
  assert.ok(plain, 'the message has a text/plain part');
  const [partHead, ...rest] = plain.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
  let text = rest.join('\n\n');
  if (/quoted-printable/i.test(partHead)) text = decodeQuotedPrintable(text);
  return {
    to: header('To'),
    subject: header('Subject'),
    text,
    code: (text.match(/Your verification code is: (\d{6})\b/) || [])[1],
    link: (text.match(/(\S+\/login\/magic\?token=[A-Za-z0-9_-]+)/) || [])[1],
  };
}

export function sinkCount(sink) {
  return readdirSync(sink.dir).filter((f) => /^\d+\.eml$/.test(f)).length;
}

// The first message to `address` numbered above `after`.
export function waitForMail(sink, address, after) {
  return waitUntil(() => {
    for (let n = after + 1; existsSync(path.join(sink.dir, `${n}.eml`)); n++) {
      const envelope = JSON.parse(readFileSync(path.join(sink.dir, `${n}.json`), 'utf8'));
      if (envelope.rcpt_tos.length === 1 && envelope.rcpt_tos[0] === address) {
        return parseMail(readFileSync(path.join(sink.dir, `${n}.eml`), 'utf8'));
      }
    }
    return null;
  }, `an email to ${address}`);
}

// ---- HTTP servers of the test's own

// An HTTP server on a free port of 127.0.0.1 that records every request it gets
// ({ method, url, headers, body, at }) in `requests` and answers with `respond(request)`'s
// { status, headers, body } (default: a small HTML page). close() stops it.
export async function startReceiver(respond = () => ({})) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body, at: Date.now() };
      requests.push(request);
      const answer = respond(request) || {};
      res.writeHead(answer.status ?? 200, answer.headers ?? { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(answer.body ?? '<!doctype html><title>Application</title><h1>Application</h1>');
    });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    requests,
    origin,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// ---- Chromium

// A page in a new browser context (its own cookies) that records what went wrong in it:
// console errors (but a missing favicon), page errors, failed requests and 5xx answers.
export async function openPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const problems = [];
  const visited = [];  // main-frame navigations, in order
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.location().url && new URL(m.location().url).pathname === '/favicon.ico') return;
    problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 500) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
  return { context, page, problems, visited };
}

// The hosted login's email step, on a page showing /login: fills the email (and the name, on the
// sign-up form), submits, and resolves on the code page with the mail that was sent.
export async function submitEmail(page, sink, address, name = null) {
  assert.equal(new URL(page.url()).pathname, '/login', `landed on ${page.url()}`);
  if (name !== null) await page.locator('input[name="name"]').fill(name);
  await page.locator('input[type="email"]').fill(address);
  const before = sinkCount(sink);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login/passwordless'),
    page.locator('form[action="/login/email"] button[type="submit"]').click(),
  ]);
  return waitForMail(sink, address.toLowerCase(), before);
}

// Types the emailed code and submits; resolves when the page is on a URL that `arrived` accepts
// (the application's redirect URI).
export async function submitCode(page, code, arrived) {
  await page.locator('input[name="code"]').fill(code);
  await Promise.all([
    page.waitForURL(arrived),
    page.locator('form[action="/login/passwordless/verify"] button[type="submit"]').click(),
  ]);
}

// What a suite's `after` hook releases, each only if it was made: the browser, a gatehouse
// server (its log printed when it did not exit cleanly), the SMTP sink, HTTP listeners, the
// scratch directory.
export async function teardown({ browser, server, sink, listeners = [], dir }) {
  try { if (browser) await browser.close(); } catch (e) { console.error('closing the browser:', e); }
  if (server) {
    const code = await stop(server.proc);
    if (code !== 0) console.error(`gatehouse exited with ${code}; log:\n${server.log.join('\n')}`);
  }
  if (sink) await stop(sink.proc);
  for (const listener of listeners) if (listener) await listener.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
