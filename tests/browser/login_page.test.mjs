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
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, OUTPUT, gatehouse, startServer, stop } from './support.mjs';

const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
const EMAIL = 'ann@acme.test';

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
      const code = await stop(server.proc);
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
