// The C++ SDK's example application (examples/webapp, GATEHOUSE_WEBAPP_BIN) against the real
// gatehouse binary (GATEHOUSE_BIN), driven as a person would with headless Chromium: its own
// pages, Gatehouse's hosted pages and the code from a real email (tests/support/smtp_sink.py).
// The application does everything through the SDK (authorization_url, authenticate_with_code,
// validate_access_token, refresh_access_token, logout_url); this suite sees only HTML.
//
// Both listen on ports of 127.0.0.1 found free just before (the issuer and the redirect URI must
// be known before either starts). Cookies ignore ports, so both sets share the host: the app's
// cookie names differ from Gatehouse's.
//
// Journey, in order, sharing one browser page:
//   - home -> Sign up -> hosted sign-up (name, email) -> emailed code -> the app's profile: the
//     new user's email and ID token claims, the access token accepted by validate_access_token;
//     no token in the page, the cookies or the app's log;
//   - Sign out -> Gatehouse's logout -> the app's home, signed out; Gatehouse's session is gone:
//     Sign in shows the hosted page again;
//   - Sign in as the same (now existing) user -> the profile, the same user id;
//   - Refresh tokens: the counter, a new access token (jti) and expiry; a POST without the
//     session's CSRF token is refused;
//   - forged and replayed callbacks get the 400 state-mismatch page (and leave a sign-in in
//     progress intact: it completes afterwards, without JavaScript); error redirects are shown
//     escaped;
//   - a grant revoked by a logout at Gatehouse: the app's refresh is refused, its session ends.
//
// Run: GATEHOUSE_BIN=build/src/app/gatehouse GATEHOUSE_WEBAPP_BIN=build/examples/webapp/gatehouse-example-webapp
// tests/browser/run.sh sdk_webapp.test.mjs (ctest: e2e.browser_sdk_webapp). Every process started
// here is stopped at the end by its PID.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, ROOT, freePort, gatehouse, openPage, scratchDirs, startServerAt, startSink, stop,
  submitCode, submitEmail, teardown, track, waitUntil,
} from './support.mjs';

const WEBAPP_BIN = process.env.GATEHOUSE_WEBAPP_BIN
  || path.join(ROOT, 'build/examples/webapp/gatehouse-example-webapp');
const NO_LIMITS = ['--rate-limit-email', '1000', '--rate-limit-ip', '1000', '--rate-limit-verify-ip', '1000'];

function address(what) {
  return `${what}-${randomBytes(3).toString('hex')}@example.com`;
}

// The example on `port`, configured as its README says (the secret through the environment);
// resolves once its home page answers.
async function startWebapp(port, envUrl, client) {
  const origin = `http://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--public-url', origin, '--gatehouse-url', envUrl,
    '--client-id', client.client_id];
  const env = { ...process.env, GATEHOUSE_CLIENT_SECRET: client.client_secret };
  const proc = track(spawn(WEBAPP_BIN, args, { env, stdio: ['ignore', 'ignore', 'pipe'] }));
  const log = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => log.push(...chunk.split('\n').filter(Boolean)));
  await waitUntil(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`the webapp exited; log:\n${log.join('\n')}`);
    }
    try { return (await fetch(`${origin}/`)).status === 200; } catch { return false; }
  }, 'the webapp to answer');
  return { proc, log, origin };
}

describe('the C++ SDK example application (examples/webapp)', () => {
  let tmp;
  let sink;
  let browser;
  let server;
  let webapp;
  let client;
  const journey = {};  // what the steps carry from one to the next

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gh-browser-webapp-'));
    scratchDirs.add(tmp);
    sink = await startSink(path.join(tmp, 'mail'));
    const data = path.join(tmp, 'data');
    const port = await freePort();
    const appPort = await freePort();
    const appOrigin = `http://127.0.0.1:${appPort}`;
    gatehouse('init', '--data', data, '--issuer', `http://127.0.0.1:${port}`);
    client = gatehouse('client', 'create', '--data', data, '--name', 'Example webapp',
      '--redirect-uri', `${appOrigin}/callback`, '--post-logout-redirect-uri', `${appOrigin}/`);
    assert.ok(client.client_id && client.client_secret, JSON.stringify(client));
    const flags = ['--smtp', sink.url, '--access-log', 'false', ...NO_LIMITS];
    server = await startServerAt(data, port, ...flags);
    webapp = await startWebapp(appPort, server.envUrl, client);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    try { if (journey.context) await journey.context.close(); } catch { /* the browser is gone */ }
    if (webapp) await stop(webapp.proc);
    await teardown({ browser, server, sink, dir: tmp });
  });

  const onApp = (pathname) => (u) => u.origin === webapp.origin && u.pathname === pathname;
  const onGatehouse = (pathname) => (u) => u.origin === server.envUrl && u.pathname === pathname;
  const claim = (page, table, name) => page.locator(`#${table} td[data-claim="${name}"]`).textContent();

  test('home -> Sign up -> hosted sign-up with the emailed code -> the profile of the new user', async () => {
    const opened = await openPage(browser);
    Object.assign(journey, opened);
    const { page, context, problems } = opened;
    // The callback's URL (code and state), to check that the app never logs them and to replay it.
    journey.callbacks = [];
    page.on('request', (r) => { if (onApp('/callback')(new URL(r.url()))) journey.callbacks.push(r.url()); });

    await page.goto(`${webapp.origin}/`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.title(), /Home/);
    assert.equal(await page.locator('h1').count(), 1);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL(onGatehouse('/login'));
    assert.equal(await page.locator('input[name="name"]').count(), 1, 'prompt=create: the sign-up form');

    const email = address('webapp');
    const name = 'Grace <Hopper> & "Co"';  // escaped on the profile page
    const mail = await submitEmail(page, sink, email, name);
    await submitCode(page, mail.code, onApp('/profile'));
    assert.equal(await page.locator('#user-email').textContent(), email);
    assert.equal(await claim(page, 'id-claims', 'email'), email);
    assert.equal(await claim(page, 'id-claims', 'email_verified'), 'true');
    assert.equal(await claim(page, 'id-claims', 'name'), name);
    const sub = await claim(page, 'id-claims', 'sub');
    assert.match(sub, /^usr_/);
    assert.match(await claim(page, 'id-claims', 'sid'), /^ses_/);
    assert.match(await claim(page, 'id-claims', 'amr'), /\S/);
    assert.equal(await claim(page, 'id-claims', 'aud'), client.client_id);
    // The access token, as validate_access_token read it.
    assert.equal(await page.locator('#access-valid').count(), 1, await page.locator('main').innerText());
    assert.equal(await claim(page, 'access-claims', 'sub'), sub);
    assert.equal(await claim(page, 'access-claims', 'client_id'), client.client_id);
    assert.match(await claim(page, 'access-claims', 'scopes'), /offline_access/);
    assert.equal(await page.locator('#refresh-count').textContent(), '0');

    // No token in the page or in a cookie; the session cookie is HttpOnly and SameSite=Lax.
    assert.doesNotMatch(await page.content(), /eyJ[A-Za-z0-9_-]{10,}\./, 'no JWT in the page');
    const cookies = await context.cookies(webapp.origin);
    const session = cookies.find((c) => c.name === 'webapp_session');
    assert.ok(session, `a session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.match(session.value, /^[A-Za-z0-9_-]{43}$/);
    for (const c of cookies) assert.doesNotMatch(c.value, /^eyJ/, `cookie ${c.name} holds no token`);

    // One log line per request, without the query: no code, no state.
    assert.equal(journey.callbacks.length, 1);
    const callback = new URL(journey.callbacks[0]);
    const log = webapp.log.join('\n');
    assert.match(log, /^webapp: GET \/callback 302$/m);
    assert.match(log, /^webapp: GET \/profile 200$/m);
    const secrets = [callback.searchParams.get('code'), callback.searchParams.get('state'), client.client_secret];
    for (const secret of secrets) {
      assert.ok(secret && !log.includes(secret), 'the log holds no code, state or secret');
    }
    Object.assign(journey, { email, name, sub });
    assert.deepEqual(problems, []);
  });

  test('Sign out -> Gatehouse logout -> home signed out; Gatehouse session gone', async () => {
    const { page, context, problems } = journey;
    assert.ok(journey.sub, 'signed in');
    const ghSession = async () => (await context.cookies(server.envUrl)).filter((c) => /gh_session$/.test(c.name));
    assert.equal((await ghSession()).length, 1, 'a Gatehouse session before');
    const requested = [];
    const record = (r) => requested.push(new URL(r.url()));
    page.on('request', record);
    await Promise.all([page.waitForURL(onApp('/')), page.getByRole('button', { name: 'Sign out' }).click()]);
    page.off('request', record);
    assert.ok(requested.some(onGatehouse('/oidc/logout')), 'through Gatehouse\'s logout');
    const home = new URL(page.url());
    assert.match(home.searchParams.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/, 'the logout state comes back');
    assert.equal(await page.locator('#signed-out').count(), 1);
    assert.equal((await ghSession()).length, 0, 'Gatehouse\'s session cookie is gone');
    assert.equal((await context.cookies(webapp.origin)).some((c) => c.name === 'webapp_session'), false);

    // /profile now sends the browser home.
    await page.goto(`${webapp.origin}/profile`);
    assert.ok(onApp('/')(new URL(page.url())));

    // A new sign-in is not silent: the hosted page asks again.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(onGatehouse('/login'));
    assert.equal(await page.locator('input[type="email"]').count(), 1);
    assert.deepEqual(problems, []);
  });

  test('Sign in as the existing user -> the profile, same user', async () => {
    const { page, problems, email, sub } = journey;
    assert.ok(onGatehouse('/login')(new URL(page.url())), 'on the hosted page');
    const mail = await submitEmail(page, sink, email);
    await submitCode(page, mail.code, onApp('/profile'));
    assert.equal(await claim(page, 'id-claims', 'sub'), sub);
    assert.equal(await claim(page, 'id-claims', 'email'), email);
    assert.equal(await page.locator('#access-valid').count(), 1);
    assert.deepEqual(problems, []);
  });

  test('Refresh tokens: rotated tokens kept; the form needs the session\'s CSRF token', async () => {
    const { page, problems } = journey;
    const jti = await claim(page, 'access-claims', 'jti');
    const expiry = await page.locator('#access-expiry').textContent();
    // Expiry is shown to the second: refresh in the next one so that it visibly moves.
    const next = (Math.floor(Date.now() / 1000) + 1) * 1000;
    await waitUntil(() => Date.now() >= next, 'the next second', 3000);
    await Promise.all([
      page.waitForResponse((r) => onApp('/profile')(new URL(r.url())) && r.status() === 200),
      page.getByRole('button', { name: 'Refresh tokens' }).click(),
    ]);
    assert.equal(await page.locator('#refresh-count').textContent(), '1');
    assert.notEqual(await claim(page, 'access-claims', 'jti'), jti, 'a new access token');
    assert.notEqual(await page.locator('#access-expiry').textContent(), expiry, 'a new expiry');
    assert.equal(await page.locator('#access-valid').count(), 1);

    // Once more: the rotated refresh token was kept (the first one is spent).
    await Promise.all([
      page.waitForResponse((r) => onApp('/profile')(new URL(r.url())) && r.status() === 200),
      page.getByRole('button', { name: 'Refresh tokens' }).click(),
    ]);
    assert.equal(await page.locator('#refresh-count').textContent(), '2');

    // The session cookie goes along, but not the page's CSRF token: refused, nothing refreshed.
    const forged = await page.request.post(`${webapp.origin}/refresh`,
      { form: { csrf: 'x'.repeat(43) }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    await page.reload();
    assert.equal(await page.locator('#refresh-count').textContent(), '2');
    assert.deepEqual(problems, []);
  });

  test('forged and replayed callbacks: 400 state mismatch; an error redirect is shown, escaped', async () => {
    const { page } = journey;
    // Replayed: the real callback of the first sign-in (its login is used up).
    let answer = await page.goto(journey.callbacks[0]);
    assert.equal(answer.status(), 400);
    assert.equal(await page.locator('h1').textContent(), 'State mismatch');
    answer = await page.goto(`${webapp.origin}/callback?code=x&state=wrong`);
    assert.equal(answer.status(), 400);
    assert.equal(await page.locator('h1').textContent(), 'State mismatch');
    // Without any cookie at all.
    answer = await fetch(`${webapp.origin}/callback?code=x&state=wrong`, { redirect: 'manual' });
    assert.equal(answer.status, 400);
    assert.match(await answer.text(), /state mismatch/);
    // Still signed in: the forgeries touched nothing.
    await page.goto(`${webapp.origin}/profile`);
    assert.ok(onApp('/profile')(new URL(page.url())));

    const description = '<script>document.title="pwned"</script> & more';
    answer = await page.goto(`${webapp.origin}/callback?error=access_denied&error_description=${
      encodeURIComponent(description)}&state=whatever`);
    assert.equal(answer.status(), 400);
    assert.equal(await page.locator('#error-detail').textContent(), `access_denied: ${description}`);
    assert.equal(await page.locator('main script').count(), 0, 'escaped, not markup');
    assert.doesNotMatch(await page.title(), /pwned/);
    assert.ok(await page.getByRole('link', { name: /home/i }).count() > 0, 'a link home');
  });

  test('without JavaScript: a forged callback leaves a sign-in intact; a revoked grant ends the session', async () => {
    const { page, context, problems } = await openPage(browser, { javaScriptEnabled: false });
    try {
      await page.goto(`${webapp.origin}/`);
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(onGatehouse('/login'));
      const hosted = page.url();
      const answer = await page.goto(`${webapp.origin}/callback?code=x&state=wrong`);
      assert.equal(answer.status(), 400);
      await page.goto(hosted);
      const mail = await submitEmail(page, sink, journey.email);
      await submitCode(page, mail.code, onApp('/profile'));
      assert.equal(await claim(page, 'id-claims', 'sub'), journey.sub);
      await Promise.all([
        page.waitForResponse((r) => onApp('/profile')(new URL(r.url())) && r.status() === 200),
        page.getByRole('button', { name: 'Refresh tokens' }).click(),
      ]);
      assert.equal(await page.locator('#refresh-count').textContent(), '1');

      // Signed out at Gatehouse directly (no hint: every session of this browser), which revokes
      // the grant: the app's next refresh is refused, and the app drops its session.
      await page.goto(`${server.envUrl}/oidc/logout`);
      await page.goto(`${webapp.origin}/profile`);
      const [refused] = await Promise.all([
        page.waitForResponse((r) => onApp('/refresh')(new URL(r.url()))),
        page.getByRole('button', { name: 'Refresh tokens' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      assert.match(await page.locator('#error-detail').textContent(), /^server_error: .*invalid_grant/);
      await page.goto(`${webapp.origin}/profile`);
      assert.ok(onApp('/')(new URL(page.url())), 'the session is gone');
      assert.equal(await page.locator('#signed-out').count(), 1);
      // Chromium reports the two expected 400s on the console; nothing else went wrong.
      assert.deepEqual(problems.filter((p) => !/\/callback\?code=x&state=wrong|\/refresh\b/.test(p)), []);
    } finally {
      await context.close();
    }
  });
});
