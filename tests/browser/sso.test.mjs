// Enterprise SSO and social login in headless Chromium, against a real upstream OpenID provider
// (oidc-provider from npm, upstream_idp.mjs) started by the test on loopback:
//   - an OIDC connection reached by connection_id, by organization_id and by the email of a
//     claimed domain typed on the hosted page; a social connection (the google preset pointed at
//     the upstream) reached by provider=google;
//   - the user is created on the first login and found again by (connection, subject) on the
//     next; a social login with the same verified email is linked to that user; an unverified
//     email that another account uses is refused (access_denied, with state);
//   - the tokens name the connection (amr[0]) and the organization (oid); every token verifies
//     against /keys (jose);
//   - cancelling at the IdP comes back to the application as access_denied with its state; a
//     replayed callback and a callback in another browser are refused;
//   - the connection step works with JavaScript disabled (meta refresh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, freePort, gatehouse, openPage, scratchDirs, startReceiver, startServerAt, teardown,
} from './support.mjs';
import { signInUpstream, startUpstreamIdp } from './upstream_idp.mjs';

globalThis.crypto ??= (await import('node:crypto')).webcrypto;
const jose = await import('jose');

const ACCOUNTS = {
  ann: { email: 'ann@acme.test', email_verified: true, name: 'Ann Acme', given_name: 'Ann', family_name: 'Acme' },
  // Not verified by the IdP, but in a domain Acme claimed: Acme vouches for it.
  bob: { email: 'bob@acme.test', email_verified: false, name: 'Bob Acme' },
  'ann-social': { email: 'ANN@acme.test', email_verified: true, name: 'Ann Social' },
  mallory: { email: 'ann@acme.test', email_verified: false, name: 'Not Ann' },
  gina: { email: 'gina@example.org', email_verified: true, name: 'Gina Social' },
};

describe('SSO and social connections against a real upstream OpenID provider', () => {
  const ctx = {};
  let base;
  let clientId;
  let clientSecret;
  let redirectUri;
  let okta;
  let google;
  let org;
  let jwks;

  before(async () => {
    ctx.dir = mkdtempSync(path.join(tmpdir(), 'gh-sso-'));
    scratchDirs.add(ctx.dir);
    const data = path.join(ctx.dir, 'data');
    gatehouse('init', '--data', data, '--issuer', 'http://127.0.0.1:8080');
    // The upstream must know Gatehouse's callback before Gatehouse starts.
    let port = await freePort();
    const callback = (p) => `http://127.0.0.1:${p}/sso/oidc/callback`;
    ctx.upstream = await startUpstreamIdp({
      accounts: ACCOUNTS,
      clients: [
        { client_id: 'gh-okta', client_secret: 'okta-secret', redirect_uris: [callback(port)],
          token_endpoint_auth_method: 'client_secret_post' },
        { client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [callback(port)],
          token_endpoint_auth_method: 'client_secret_basic' },
      ],
    });
    org = gatehouse('org', 'create', '--data', data, '--name', 'Acme').id;
    gatehouse('domain', 'add', '--data', data, org, 'acme.test');
    const secret = (name, value) => { const f = path.join(ctx.dir, name); writeFileSync(f, `${value}\n`); return f; };
    okta = gatehouse('connection', 'create', '--data', data, '--type', 'oidc', '--org', org, '--provider', 'okta',
      '--name', 'Acme Okta', '--settings',
      JSON.stringify({ issuer: ctx.upstream.issuer, client_id: 'gh-okta', token_auth_method: 'client_secret_post' }),
      '--client-secret-file', secret('okta', 'okta-secret'));
    assert.equal(okta.configured, true);
    okta = okta.id;
    google = gatehouse('connection', 'create', '--data', data, '--type', 'oauth', '--provider', 'google',
      '--settings', JSON.stringify({ issuer: ctx.upstream.issuer, client_id: 'gh-google' }),
      '--client-secret-file', secret('google', 'google-secret')).id;
    ctx.receiver = await startReceiver();
    redirectUri = `${ctx.receiver.origin}/cb`;
    const client = gatehouse('client', 'create', '--data', data, '--name', 'SSO App', '--redirect-uri', redirectUri);
    clientId = client.client_id;
    clientSecret = client.client_secret;
    ctx.server = await startServerAt(data, port, '--upstream-timeout', '5s');
    if (ctx.server.port !== port) throw new Error('the port moved: the upstream knows the old callback');
    base = ctx.server.envUrl;
    jwks = jose.createRemoteJWKSet(new URL(`${base}/keys`));
    ctx.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    await teardown({ browser: ctx.browser, server: ctx.server, listeners: [ctx.upstream, ctx.receiver], dir: ctx.dir });
  });

  function authorizeUrl(extra = {}) {
    const q = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid profile email',
      state: `st-${Math.random().toString(36).slice(2)}`, nonce: 'n-sso', ...extra,
    });
    return { url: `${base}/oauth/authorize?${q}`, state: q.get('state') };
  }

  const atApp = (u) => u.href.startsWith(redirectUri);
  // The upstream's development pages ask for a web font, which fails offline: not ours.
  const ours = (problems) => problems.filter((p) => !p.includes('fonts.googleapis.com'));
  const atUpstream = (u) => u.origin === ctx.upstream.issuer;

  // Exchanges the code and verifies both tokens against /keys.
  async function exchange(code) {
    const r = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri,
        client_id: clientId, client_secret: clientSecret }),
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    const { payload: id } = await jose.jwtVerify(body.id_token, jwks, { issuer: base, audience: clientId });
    const { payload: access } = await jose.jwtVerify(body.access_token, jwks, { issuer: base });
    assert.equal(id.nonce, 'n-sso');
    return { id, access };
  }

  // From the authorization URL through the upstream's login to the application's callback.
  async function signIn(page, extra, login, before = async () => {}) {
    const { url, state } = authorizeUrl(extra);
    await page.goto(url);
    await before(page);
    await page.waitForURL(atUpstream);
    await Promise.all([page.waitForURL(atApp), signInUpstream(page, login)]);
    const back = new URL(page.url());
    assert.equal(back.searchParams.get('state'), state);
    assert.equal(back.searchParams.get('iss'), base);
    return back;
  }

  test('connection_id: the upstream login creates the user, and the next login finds it by subject', async () => {
    const { context, page, problems } = await openPage(ctx.browser);
    const back = await signIn(page, { connection_id: okta }, 'ann');
    assert.equal(back.searchParams.get('error'), null, back.href);
    const { id, access } = await exchange(back.searchParams.get('code'));
    assert.match(id.sub, /^usr_/);
    assert.equal(id.email, 'ann@acme.test');
    assert.equal(id.email_verified, true);
    assert.equal(id.name, 'Ann Acme');
    assert.deepEqual(id.amr, [okta]);
    assert.equal(id.oid, org);
    assert.equal(access.sub, id.sub);
    assert.equal(access.oid, org);
    assert.deepEqual(ours(problems), []);
    await context.close();
    ctx.ann = id.sub;

    // Another browser, the same upstream account: the same user.
    const second = await openPage(ctx.browser);
    const again = await signIn(second.page, { connection_id: okta }, 'ann');
    assert.equal((await exchange(again.searchParams.get('code'))).id.sub, ctx.ann);
    await second.context.close();
    const user = gatehouse('user', 'get', '--data', path.join(ctx.dir, 'data'), 'ann@acme.test');
    assert.equal(user.id, ctx.ann);
  });

  test('organization_id goes straight to its one SSO connection; a claimed domain vouches for the email', async () => {
    const { context, page } = await openPage(ctx.browser);
    const back = await signIn(page, { organization_id: org }, 'bob');
    const { id } = await exchange(back.searchParams.get('code'));
    assert.equal(id.email, 'bob@acme.test');
    assert.equal(id.email_verified, true);
    assert.deepEqual(id.amr, [okta]);
    assert.equal(id.oid, org);
    await context.close();
  });

  test('an email of a claimed domain on the hosted page leads to the connection, without JavaScript too', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const { context, page, problems } = await openPage(ctx.browser, { javaScriptEnabled });
      const back = await signIn(page, {}, 'ann', async (p) => {
        assert.equal(new URL(p.url()).pathname, '/login');
        await p.locator('input[type="email"]').fill('Ann@Acme.test');
        await p.locator('form[action="/login/email"] button[type="submit"]').click();
      });
      const { id } = await exchange(back.searchParams.get('code'));
      assert.equal(id.sub, ctx.ann, `javaScriptEnabled=${javaScriptEnabled}`);
      assert.deepEqual(ours(problems), []);
      await context.close();
    }
  });

  test('provider=google: a social login creates its user; a verified email links to the existing user', async () => {
    const first = await openPage(ctx.browser);
    const back = await signIn(first.page, { provider: 'google' }, 'gina');
    const { id } = await exchange(back.searchParams.get('code'));
    assert.equal(id.email, 'gina@example.org');
    assert.deepEqual(id.amr, [google]);
    assert.equal(id.oid, undefined);
    await first.context.close();

    const linked = await openPage(ctx.browser);
    const back2 = await signIn(linked.page, { provider: 'google' }, 'ann-social');
    const { id: id2 } = await exchange(back2.searchParams.get('code'));
    assert.equal(id2.sub, ctx.ann, 'the verified email found the user created through Okta');
    assert.deepEqual(id2.amr, [google]);
    await linked.context.close();
  });

  test('the social button on the hosted page goes to the provider, without JavaScript too', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const { context, page, problems } = await openPage(ctx.browser, { javaScriptEnabled });
      const back = await signIn(page, {}, 'gina', async (p) => {
        assert.equal(new URL(p.url()).pathname, '/login');
        await p.locator(`form[action="/login/connection"]:has(input[value="${google}"]) button`).click();
      });
      const { id } = await exchange(back.searchParams.get('code'));
      assert.equal(id.email, 'gina@example.org');
      assert.deepEqual(id.amr, [google]);
      assert.deepEqual(ours(problems), []);
      await context.close();
    }
  });

  test('an unverified email that another account uses is refused with access_denied and the state', async () => {
    const { context, page } = await openPage(ctx.browser);
    const back = await signIn(page, { provider: 'google' }, 'mallory');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description'), /did not verify the email/);
    assert.equal(back.searchParams.get('code'), null);
    await context.close();
  });

  test('cancelling at the IdP returns access_denied with the state', async () => {
    const { context, page } = await openPage(ctx.browser);
    const { url, state } = authorizeUrl({ connection_id: okta });
    await page.goto(url);
    await page.waitForURL(atUpstream);
    await Promise.all([page.waitForURL(atApp), page.getByText('[ Cancel ]').click()]);
    const back = new URL(page.url());
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), state);
    assert.equal(back.searchParams.get('iss'), base);
    await context.close();
  });

  test('a callback is taken once, and only by the browser that started the login', async () => {
    const { context, page } = await openPage(ctx.browser);
    const appRequests = ctx.receiver.requests.length;
    await page.goto(authorizeUrl({ connection_id: okta }).url);
    await page.waitForURL(atUpstream);
    // The browser loses its binding (the CSRF cookie) before the IdP sends it back: as if the
    // callback had been opened in another browser.
    const before = (await context.cookies(base)).map((c) => c.name);
    assert.ok(before.includes('gh_csrf'), `cookies: ${before}`);
    await context.clearCookies({ name: 'gh_csrf' });
    const isCallback = (u) => u.href.startsWith(`${base}/sso/oidc/callback?`);
    await Promise.all([page.waitForURL(isCallback), signInUpstream(page, 'ann')]);
    assert.match(await page.textContent('main'), /started in another browser/);
    // The leg is spent: the same callback again is refused.
    const replay = await page.goto(page.url());
    assert.equal(replay.status(), 400);
    assert.match(await page.textContent('main'), /expired or was already completed/);
    assert.equal(ctx.receiver.requests.length, appRequests, 'the application got nothing');
    await context.close();
  });
});
