// The hosted login page in a real browser: Debian's headless Chromium driven by playwright-core.
//
// One gatehouse server (the real binary, GATEHOUSE_BIN) with an organization that owns acme.test
// and has one enabled OIDC connection, "Acme Okta", and an application "Example App". Each test
// opens /oauth/authorize as an application would and walks the hosted page:
//   - the page names the application, has an email field, runs no inline script, logs no console
//     error; a screenshot goes to $GATEHOUSE_TEST_OUTPUT/login-page.png;
//   - an email of acme.test lands on /login/connection naming "Acme Okta";
//   - the sign-up link leads to a form with a name field;
//   - with JavaScript disabled the email step still works.
//
// Run: GATEHOUSE_BIN=build/src/app/gatehouse node --test tests/browser/login_page.test.mjs
// (tests/browser/run.sh installs playwright-core first when needed; ctest runs it as
// e2e.browser_login). The server and the browser are stopped at the end, also on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = process.env.GATEHOUSE_BIN || path.join(ROOT, 'build/src/app/gatehouse');
const OUTPUT = process.env.GATEHOUSE_TEST_OUTPUT || path.join(ROOT, 'build/test-output');
const CHROMIUM = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = Number(process.env.GATEHOUSE_START_TIMEOUT || 30) * 1000;
const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
const EMAIL = 'ann@acme.test';

// As root on this machine: no sandbox, no GPU, and nothing that reaches out to the network.
// playwright-core gives every launch a new, empty profile directory (--user-data-dir) itself.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

function cliEnv() {
  const env = { ...process.env };
  delete env.GATEHOUSE_MASTER_KEY;  // the data directory's own master.key
  return env;
}

// Runs `gatehouse ARGS` and returns its JSON output.
function gatehouse(...args) {
  let stdout;
  try {
    stdout = execFileSync(BIN, args, { env: cliEnv(), encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`gatehouse ${args.join(' ')} failed (${e.status}): ${e.stderr}`);
  }
  return stdout.trim() ? JSON.parse(stdout) : null;
}

// Starts `gatehouse serve` on a free loopback port; resolves with { proc, port, log } once the
// server logged the port it bound. Never guesses a port, never sleeps.
function startServer(dataDir) {
  const proc = spawn(BIN, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], {
    env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  let pending = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms; log:\n${log.join('\n')}`));
    }, START_TIMEOUT_MS);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening; log:\n${log.join('\n')}${pending}`));
    });
    // Keeps reading stderr for the whole run so the server never blocks on a full pipe.
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        log.push(line);
        let event;
        try { event = JSON.parse(line); } catch { continue; }
        if (event.msg === 'gatehouse listening') {
          clearTimeout(timer);
          resolve({ proc, port: Number(event.port), log });
        }
      }
    });
  });
}

// SIGTERM by PID, then wait for the exit (SIGKILL if it does not come). Returns the exit code.
function stopServer(proc, timeoutMs = 15_000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { process.kill(proc.pid, 'SIGKILL'); }, timeoutMs);
    proc.removeAllListeners('exit');
    proc.on('exit', (code, signal) => { clearTimeout(timer); resolve(code ?? signal); });
    process.kill(proc.pid, 'SIGTERM');
  });
}

describe('hosted login page in headless Chromium', () => {
  let tmp;
  let server;
  let browser;
  let base;
  let clientId;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gh-browser-'));
    const data = path.join(tmp, 'data');
    gatehouse('init', '--data', data, '--issuer', 'http://127.0.0.1:8080');
    const org = gatehouse('org', 'create', '--data', data, '--name', 'Acme').id;
    gatehouse('domain', 'add', '--data', data, org, 'acme.test');
    gatehouse('connection', 'create', '--data', data, '--type', 'oidc', '--org', org, '--name', 'Acme Okta');
    clientId = gatehouse('client', 'create', '--data', data, '--name', 'Example App', '--redirect-uri', REDIRECT_URI).client_id;
    assert.ok(clientId, 'client create printed a client_id');
    server = await startServer(data);
    base = `http://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    // Each step on its own: a failure in one must not leave the other running.
    try { if (browser) await browser.close(); } catch (e) { console.error('closing the browser:', e); }
    if (server) {
      const code = await stopServer(server.proc);
      if (code !== 0) console.error(`gatehouse exited with ${code}; log:\n${server.log.join('\n')}`);
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function authorizeUrl(extra = {}) {
    const q = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI,
      scope: 'openid profile email', state: 'st-browser-1', ...extra,
    });
    return `${base}/oauth/authorize?${q}`;
  }

  // A new page whose console errors, uncaught exceptions and failed requests are recorded.
  async function newPage(contextOptions = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium asks for /favicon.ico by itself; the pages declare no icon, so a 404 there is not the page's.
      if (m.location().url && new URL(m.location().url).pathname === '/favicon.ico') return;
      problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (r.status() >= 500) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    return { context, page, problems };
  }

  async function submitEmailAndExpectConnection(page) {
    await page.locator('input[type="email"]').fill(EMAIL);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login/connection'),
      page.locator('form[action="/login/email"] button[type="submit"]').click(),
    ]);
    assert.equal(new URL(page.url()).pathname, '/login/connection');
    const text = await page.locator('body').innerText();
    assert.match(text, /Acme Okta/, 'the connection step names the connection');
  }

  test('the page names the application, asks for an email and routes an SSO domain to its connection', async () => {
    const { context, page, problems } = await newPage();
    try {
      const response = await page.goto(authorizeUrl());
      assert.ok(response, 'navigation answered');
      assert.equal(response.status(), 200);
      const url = new URL(page.url());
      assert.equal(url.pathname, '/login', `landed on ${page.url()}`);
      assert.ok(url.searchParams.get('tx'), 'the login page carries the transaction');

      const title = await page.title();
      const heading = await page.locator('h1').first().innerText();
      assert.ok(title.includes('Example App') || heading.includes('Example App'),
        `title "${title}" or heading "${heading}" names the application`);

      const email = page.locator('input[type="email"][autocomplete="email"]');
      assert.equal(await email.count(), 1, 'one email input with autocomplete=email');
      assert.ok(await email.isVisible());
      // The label is tied to the field (the accessible name is not empty).
      const labelled = await page.getByLabel(/email/i).count();
      assert.ok(labelled >= 1, 'the email field has a label');

      // No inline script: no <script> without src, no on* handler attributes, no javascript: URLs.
      const inline = await page.evaluate(() => ({
        scripts: [...document.querySelectorAll('script:not([src])')].length,
        handlers: [...document.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => `${el.tagName}[${a.name}]`)),
        jsUrls: [...document.querySelectorAll('[href], [action], [src]')]
          .map((el) => el.getAttribute('href') || el.getAttribute('action') || el.getAttribute('src'))
          .filter((v) => /^\s*javascript:/i.test(v)),
      }));
      assert.deepEqual(inline, { scripts: 0, handlers: [], jsUrls: [] });
      // ... and a CSP that would refuse one: script-src (or default-src) without 'unsafe-inline'.
      const csp = response.headers()['content-security-policy'] || '';
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0])
        .map(([name, ...values]) => [name.toLowerCase(), values]));
      const scriptSrc = directives['script-src'] || directives['default-src'];
      assert.ok(scriptSrc, `the CSP restricts scripts: "${csp}"`);
      assert.ok(!scriptSrc.includes("'unsafe-inline'"), `the CSP allows inline script: "${csp}"`);

      mkdirSync(OUTPUT, { recursive: true });
      const shot = path.join(OUTPUT, 'login-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);

      await submitEmailAndExpectConnection(page);
      await page.screenshot({ path: path.join(OUTPUT, 'login-connection.png'), fullPage: true });
      assert.deepEqual(problems, [], 'no console error, page error, failed request or 5xx');
    } finally {
      await context.close();
    }
  });

  test('the sign-up link leads to a form with a name field', async () => {
    const { context, page, problems } = await newPage();
    try {
      await page.goto(authorizeUrl());
      assert.equal(await page.locator('input[name="name"]').count(), 0, 'sign-in has no name field');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('mode') === 'signup'),
        page.getByRole('link', { name: /sign up/i }).click(),
      ]);
      const name = page.locator('input[name="name"]');
      assert.equal(await name.count(), 1, 'sign-up asks for a name');
      assert.ok(await name.isVisible());
      assert.equal(await page.locator('input[type="email"][autocomplete="email"]').count(), 1);
      await page.screenshot({ path: path.join(OUTPUT, 'signup-page.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('prompt=create opens sign-up directly', async () => {
    const { context, page, problems } = await newPage();
    try {
      await page.goto(authorizeUrl({ prompt: 'create' }));
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await page.locator('input[name="name"]').count(), 1);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the email step works with JavaScript disabled', async () => {
    const { context, page, problems } = await newPage({ javaScriptEnabled: false });
    try {
      const response = await page.goto(authorizeUrl({ state: 'st-nojs' }));
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/login');
      await submitEmailAndExpectConnection(page);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a phone-sized viewport shows the form without horizontal scrolling', async () => {
    const { context, page, problems } = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true });
    try {
      await page.goto(authorizeUrl());
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than a 360px screen`);
      assert.ok(await page.locator('input[type="email"]').isVisible());
      await page.screenshot({ path: path.join(OUTPUT, 'login-page-phone.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
