// Passwordless sign-in in a real browser: Debian's headless Chromium driven by playwright-core,
// the real gatehouse binary (GATEHOUSE_BIN), a real SMTP server (tests/support/smtp_sink.py) and
// a tiny HTTP server of the test's own standing in for the application's redirect URI.
//
// Journeys, each in a fresh browser context (its own cookies):
//   - authorization URL -> email -> the code from the delivered mail, typed into the code field
//     (autocomplete=one-time-code, inputmode=numeric) -> the application's redirect URI with
//     code, state and iss; a screenshot of the code page goes to $GATEHOUSE_TEST_OUTPUT;
//   - the same with the magic link opened in the same browser, and in another browser (which asks
//     "Sign in here?" first);
//   - sign-up (prompt=create) with a name: the created user has that name;
//   - prompt=none without a session (login_required) and with one (a code, no page);
//   - prompt=select_account with a user of two organizations: the picker shows both (a
//     screenshot), and the code names the organization chosen;
//   - the whole code journey with JavaScript disabled.
//
// Run: GATEHOUSE_BIN=build/src/app/gatehouse node --test tests/browser/passwordless.test.mjs
// (tests/browser/run.sh runs it after login_page.test.mjs). Every process started here is stopped
// at the end by its PID, also on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, OUTPUT, gatehouse, openPage, scratchDirs, startReceiver, startServer, startSink,
  submitCode, submitEmail, teardown,
} from './support.mjs';

const ISSUER = 'http://127.0.0.1:8080';
const APP_NAME = 'Example App';
const VERIFIER = 'dBjftJeZ4CVP-mJ0kHOWbeTSKuQ3l5vt3oMX37yMSCGW';  // RFC 7636 appendix B
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

describe('passwordless sign-in in headless Chromium', () => {
  let tmp;
  let data;
  let sink;
  let server;
  let app;          // the application's callback server (startReceiver)
  let redirectUri;
  let browser;
  let base;
  let clientId;
  let orgs;
  let stateCounter = 0;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gh-browser-pwl-'));
    scratchDirs.add(tmp);
    data = path.join(tmp, 'data');
    app = await startReceiver();
    redirectUri = `${app.origin}/cb`;

    gatehouse('init', '--data', data, '--issuer', ISSUER);
    orgs = {
      acme: gatehouse('org', 'create', '--data', data, '--name', 'Acme').id,
      globex: gatehouse('org', 'create', '--data', data, '--name', 'Globex').id,
    };
    clientId = gatehouse('client', 'create', '--data', data, '--name', APP_NAME, '--redirect-uri', redirectUri).client_id;
    sink = await startSink(path.join(tmp, 'mail'));
    server = await startServer(data, '--smtp', `smtp://127.0.0.1:${sink.port}`, '--access-log', 'false');
    base = `http://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    mkdirSync(OUTPUT, { recursive: true });
  });

  after(() => teardown({ browser, server, sink, listeners: [app], dir: tmp }));

  function authorizeUrl(extra = {}) {
    const state = `st-${++stateCounter}-${Date.now()}`;
    const q = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid profile email',
      state, nonce: `n-${stateCounter}`, code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra,
    });
    return { url: `${base}/oauth/authorize?${q}`, state: q.get('state') };
  }

  // The magic link names the issuer; the server under test listens on another port of 127.0.0.1
  // (cookies do not depend on the port), so the link is opened there.
  function onServer(link) {
    assert.ok(link.startsWith(`${ISSUER}/login/magic?token=`), link);
    const u = new URL(link);
    return `${base}${u.pathname}${u.search}`;
  }

  function isCallback(u) {
    return u.origin === new URL(redirectUri).origin && u.pathname === '/cb';
  }

  // The authorization response the browser landed on: { code, state, iss } checked against `state`.
  function assertCallback(page, state) {
    const u = new URL(page.url());
    assert.ok(isCallback(u), `landed on ${page.url()}`);
    assert.equal(u.searchParams.get('state'), state);
    assert.equal(u.searchParams.get('iss'), ISSUER);
    assert.equal(u.searchParams.get('error'), null, `error ${u.searchParams.get('error')}`);
    const code = u.searchParams.get('code');
    assert.match(code || '', /^[A-Za-z0-9_-]{43}$/);
    return code;
  }

  function sqlite(sql) {
    return execFileSync('sqlite3', [path.join(data, 'gatehouse.db'), sql], { encoding: 'utf8' }).trim();
  }

  function codeRow(code) {
    const hash = createHash('sha256').update(code).digest('hex');
    const out = sqlite(`select organization_id, auth_method, code_challenge from authorization_codes where code_hash = '${hash}'`);
    assert.ok(out, 'the code is stored');
    const [organization, method, challenge] = out.split('|');
    return { organization, method, challenge };
  }

  // The user's name and organizations: `gatehouse user get` when this build has it, else the store.
  function storedUser(address) {
    try {
      const u = gatehouse('user', 'get', '--data', data, address);
      return { name: u.name, orgs: u.memberships.map((m) => m.organization_id) };
    } catch (e) {
      if (!/user|subcommand|extra/i.test(String(e.message))) throw e;
      const name = sqlite(`select name from users where email = '${address}'`);
      const memberships = sqlite(`select organization_id from memberships m join users u on u.id = m.user_id where u.email = '${address}'`);
      return { name, orgs: memberships ? memberships.split('\n') : [] };
    }
  }

  function newPage(contextOptions = {}) {
    return openPage(browser, contextOptions);
  }

  // Opens the authorization URL and submits the email (and name); resolves on the code page with
  // the mail that was sent.
  async function emailStep(page, address, extra = {}, name = null) {
    const { url, state } = authorizeUrl(extra);
    await page.goto(url);
    const mail = await submitEmail(page, sink, address, name);
    return { state, mail };
  }

  // Types the code and submits; resolves on the application's callback.
  function typeCode(page, code) {
    return submitCode(page, code, isCallback);
  }

  async function signIn(page, address, extra = {}) {
    const { state, mail } = await emailStep(page, address, extra);
    await typeCode(page, mail.code);
    return assertCallback(page, state);
  }

  test('the code from the email, typed into the code field, lands on the redirect URI', async () => {
    const { context, page, problems } = await newPage();
    try {
      const address = 'ann@example.com';
      const { state, mail } = await emailStep(page, 'Ann@Example.com');
      assert.equal(mail.to, address);
      assert.equal(mail.subject, `Finish signing up for ${APP_NAME}`);
      assert.match(mail.code, /^\d{6}$/);

      const field = page.locator('input[name="code"]');
      assert.equal(await field.count(), 1);
      assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
      assert.equal(await field.getAttribute('inputmode'), 'numeric');
      assert.ok(await field.isVisible());
      assert.ok((await page.getByLabel(/code/i).count()) >= 1, 'the code field has a label');
      assert.match(await page.locator('body').innerText(), /ann@example\.com/);
      await page.screenshot({ path: path.join(OUTPUT, 'passwordless-code-page.png'), fullPage: true });

      await typeCode(page, mail.code);
      const code = assertCallback(page, state);
      const row = codeRow(code);
      assert.equal(row.method, 'otp');
      assert.equal(row.challenge, CHALLENGE);
      const cookies = await context.cookies(base);
      assert.ok(cookies.some((c) => c.name === 'gh_session' && c.httpOnly), 'an HttpOnly session cookie');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the magic link opened in the same browser lands on the redirect URI', async () => {
    const { context, page, problems } = await newPage();
    try {
      const { state, mail } = await emailStep(page, 'bea@example.com');
      await page.goto(onServer(mail.link));
      await page.waitForURL(isCallback);
      const code = assertCallback(page, state);
      assert.equal(codeRow(code).method, 'magic_link');
      assert.deepEqual(problems, []);
      // Opened again: the link is used (the 400 is expected, so it is not a problem).
      const again = await page.goto(onServer(mail.link));
      assert.equal(again.status(), 400);
      assert.match(await page.locator('body').innerText(), /already been used/);
    } finally {
      await context.close();
    }
  });

  test('the magic link opened in another browser asks first, then signs in there', async () => {
    const asker = await newPage();
    const other = await newPage();
    try {
      const { state, mail } = await emailStep(asker.page, 'gil@example.com');
      const { page, problems } = other;
      const response = await page.goto(onServer(mail.link));
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/login/magic');
      const confirm = page.getByRole('button', { name: 'Sign in here' });
      assert.equal(await confirm.count(), 1);
      assert.match(await page.locator('body').innerText(), /gil@example\.com/);
      await Promise.all([page.waitForURL(isCallback), confirm.click()]);
      assertCallback(page, state);
      assert.ok((await other.context.cookies(base)).some((c) => c.name === 'gh_session'), 'signed in there');
      assert.ok(!(await asker.context.cookies(base)).some((c) => c.name === 'gh_session'), 'not in the asking browser');
      assert.deepEqual(problems, []);
      assert.deepEqual(asker.problems, []);
    } finally {
      await asker.context.close();
      await other.context.close();
    }
  });

  test('sign-up with prompt=create records the name', async () => {
    const { context, page, problems } = await newPage();
    try {
      const address = 'cleo@example.com';
      const { url } = authorizeUrl({ prompt: 'create' });
      await page.goto(url);
      assert.match(await page.locator('h1').innerText(), /create your .* account/i);
      const { state, mail } = await emailStep(page, address, { prompt: 'create' }, 'Cleo Q. Example');
      assert.equal(mail.subject, `Finish signing up for ${APP_NAME}`);
      await typeCode(page, mail.code);
      assertCallback(page, state);
      assert.equal(storedUser(address).name, 'Cleo Q. Example');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('prompt=none: login_required without a session, a code without a page with one', async () => {
    const { context, page, problems, visited } = await newPage();
    try {
      let { url, state } = authorizeUrl({ prompt: 'none' });
      await page.goto(url);
      let u = new URL(page.url());
      assert.ok(isCallback(u), page.url());
      assert.equal(u.searchParams.get('error'), 'login_required');
      assert.equal(u.searchParams.get('state'), state);
      assert.equal(u.searchParams.get('iss'), ISSUER);
      assert.equal(u.searchParams.get('code'), null);

      await signIn(page, 'dora@example.com');
      ({ url, state } = authorizeUrl({ prompt: 'none' }));
      visited.length = 0;
      await page.goto(url);
      assertCallback(page, state);
      assert.ok(visited.every((v) => isCallback(new URL(v))), `no page on the way: ${visited.join(', ')}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('prompt=select_account shows both organizations and the code names the one chosen', async () => {
    const { context, page, problems } = await newPage();
    try {
      const address = 'eve@example.com';
      const first = await signIn(page, address, { organization_id: orgs.acme });
      assert.equal(codeRow(first).organization, orgs.acme);
      // Signed in, but not a member of Globex yet: the login page again.
      const second = await signIn(page, address, { organization_id: orgs.globex });
      assert.equal(codeRow(second).organization, orgs.globex);
      assert.deepEqual(storedUser(address).orgs.sort(), [orgs.acme, orgs.globex].sort());

      const { url, state } = authorizeUrl({ prompt: 'select_account' });
      await page.goto(url);
      assert.equal(new URL(page.url()).pathname, '/login/select', page.url());
      const account = page.getByRole('region', { name: address });
      assert.equal(await account.count(), 1, 'one account');
      const acme = account.getByRole('button', { name: 'Continue to Acme' });
      const globex = account.getByRole('button', { name: 'Continue to Globex' });
      assert.equal(await acme.count(), 1);
      assert.equal(await globex.count(), 1);
      await page.screenshot({ path: path.join(OUTPUT, 'passwordless-account-picker.png'), fullPage: true });

      await Promise.all([page.waitForURL(isCallback), globex.click()]);
      const code = assertCallback(page, state);
      assert.equal(codeRow(code).organization, orgs.globex);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('the whole code journey works with JavaScript disabled', async () => {
    const { context, page, problems } = await newPage({ javaScriptEnabled: false });
    try {
      const { state, mail } = await emailStep(page, 'finn@example.com');
      await typeCode(page, mail.code);
      assertCallback(page, state);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
