// SAML 2.0 SSO in headless Chromium against a real SAML IdP (pysaml2 from Debian,
// tests/support/saml_idp.py) started by the test on loopback:
//   - SP-initiated: by connection_id, by organization_id, by the email of a claimed domain on the
//     hosted page; the IdP's signed answer is posted to the ACS and finished at /sso/continue in
//     the browser that started the login; the tokens name the connection and organization;
//   - the SP metadata is served per connection and the IdP accepts our signed AuthnRequest;
//   - IdP-initiated: the application gets idp_initiated_login (verified against /keys), starts a
//     normal login with its claims and ends signed in; a replayed IdP-initiated answer is refused;
//   - a replayed SP-initiated answer (the same form posted again) is refused;
//   - a refused, expired or misaddressed answer reaches the application as its documented code
//     with the state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, freePort, gatehouse, openPage, scratchDirs, startReceiver, startSamlIdp, startServerAt,
  teardown,
} from './support.mjs';

globalThis.crypto ??= (await import('node:crypto')).webcrypto;
const jose = await import('jose');

describe('SAML connections against a real SAML IdP (pysaml2)', () => {
  const ctx = {};
  let base;
  let clientId;
  let clientSecret;
  let redirectUri;
  let conn;
  let org;
  let jwks;

  before(async () => {
    ctx.dir = mkdtempSync(path.join(tmpdir(), 'gh-saml-'));
    scratchDirs.add(ctx.dir);
    const data = path.join(ctx.dir, 'data');
    const spMetadata = path.join(ctx.dir, 'sp-metadata.xml');
    gatehouse('init', '--data', data, '--issuer', 'http://127.0.0.1:8080');
    ctx.idp = await startSamlIdp(spMetadata, { email: 'carol@globex.test' });
    ctx.receiver = await startReceiver();
    redirectUri = `${ctx.receiver.origin}/cb`;
    org = gatehouse('org', 'create', '--data', data, '--name', 'Globex').id;
    gatehouse('domain', 'add', '--data', data, org, 'globex.test');
    conn = gatehouse('connection', 'create', '--data', data, '--type', 'saml', '--org', org, '--name', 'Globex SAML',
      '--idp-metadata-url', ctx.idp.metadataUrl,
      '--settings', JSON.stringify({ allow_idp_initiated: true, initiate_login_uri: `${ctx.receiver.origin}/initiate` }));
    assert.equal(conn.configured, true);
    conn = conn.id;
    const client = gatehouse('client', 'create', '--data', data, '--name', 'SAML App', '--redirect-uri', redirectUri);
    clientId = client.client_id;
    clientSecret = client.client_secret;
    ctx.server = await startServerAt(data, await freePort());
    base = ctx.server.envUrl;
    jwks = jose.createRemoteJWKSet(new URL(`${base}/keys`));
    // The IdP learns the SP from the metadata Gatehouse serves.
    const md = await fetch(`${base}/sso/saml/metadata/${conn}`);
    assert.equal(md.status, 200);
    assert.match(md.headers.get('content-type'), /samlmetadata\+xml/);
    writeFileSync(spMetadata, await md.text());
    ctx.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    await teardown({ browser: ctx.browser, server: ctx.server, listeners: [ctx.idp, ctx.receiver], dir: ctx.dir });
  });

  function authorizeUrl(extra = {}) {
    const q = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid profile email',
      state: `st-${Math.random().toString(36).slice(2)}`, ...extra,
    });
    return { url: `${base}/oauth/authorize?${q}`, state: q.get('state') };
  }
  const atApp = (u) => u.href.startsWith(redirectUri);

  async function exchange(code) {
    const r = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri,
        client_id: clientId, client_secret: clientSecret }),
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    return (await jose.jwtVerify(body.id_token, jwks, { issuer: base, audience: clientId })).payload;
  }

  async function expectSignedIn(page, state) {
    const back = new URL(page.url());
    assert.equal(back.searchParams.get('error'), null, back.href);
    assert.equal(back.searchParams.get('state'), state);
    const id = await exchange(back.searchParams.get('code'));
    assert.equal(id.email, 'carol@globex.test');
    assert.deepEqual(id.amr, [conn]);
    assert.equal(id.oid, org);
    return id;
  }

  test('connection_id and organization_id: signed AuthnRequest, signed answer, signed in', async () => {
    for (const hint of [{ connection_id: conn }, { organization_id: org }]) {
      const { context, page, problems } = await openPage(ctx.browser);
      const { url, state } = authorizeUrl(hint);
      const acsPosts = [];
      page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/sso/saml/acs/')) acsPosts.push(r.url()); });
      await page.goto(url);
      await page.waitForURL(atApp);
      assert.deepEqual(acsPosts, [`${base}/sso/saml/acs/${conn}`]);
      const id = await expectSignedIn(page, state);
      ctx.carol ??= id.sub;
      assert.equal(id.sub, ctx.carol, 'the same NameID is the same user');
      assert.deepEqual(problems, []);
      await context.close();
    }
  });

  test('an email of the claimed domain on the hosted page, without JavaScript', async () => {
    const { context, page, problems } = await openPage(ctx.browser, { javaScriptEnabled: false });
    const { url, state } = authorizeUrl();
    await page.goto(url);
    await page.locator('input[type="email"]').fill('carol@globex.test');
    await page.locator('form[action="/login/email"] button[type="submit"]').click();
    // The IdP's own form posts itself with JavaScript; without it, its button.
    await page.waitForURL((u) => u.origin === ctx.idp.origin);
    await Promise.all([page.waitForURL(atApp), page.locator('input[type="submit"]').click()]);
    assert.equal((await expectSignedIn(page, state)).sub, ctx.carol);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('IdP-initiated: the application gets a signed idp_initiated_login and finishes with a normal login', async () => {
    const { context, page } = await openPage(ctx.browser);
    const entity = `${base}/sso/saml/metadata/${conn}`;
    const initiations = () => ctx.receiver.requests.filter((r) => r.url.startsWith('/initiate')).length;
    const seen = initiations();
    await page.goto(`${ctx.idp.origin}/idp-initiated?sp=${encodeURIComponent(entity)}&relay=from-idp`);
    await page.waitForURL((u) => u.href.startsWith(`${ctx.receiver.origin}/initiate`));
    const token = new URL(page.url()).searchParams.get('idp_initiated_login');
    const { payload } = await jose.jwtVerify(token, jwks, { issuer: base });
    assert.equal(payload.connection_id, conn);
    assert.equal(payload.organization_id, org);
    assert.equal(payload.login_hint, 'carol@globex.test');
    assert.equal(payload.relay_state, 'from-idp');
    assert.ok(payload.exp - payload.iat <= 300);
    assert.equal(initiations(), seen + 1);
    // What the application does with it: an ordinary SP-initiated login.
    const { url, state } = authorizeUrl({ connection_id: payload.connection_id, login_hint: payload.login_hint });
    await page.goto(url);
    await page.waitForURL(atApp);
    assert.equal((await expectSignedIn(page, state)).sub, ctx.carol);
    await context.close();
  });

  test('an answer is accepted once: replayed SP-initiated and IdP-initiated forms are refused', async () => {
    const { context, page } = await openPage(ctx.browser);
    // Keep the IdP's form (its fields) on the way through.
    const forms = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/sso/saml/acs/')) forms.push({ url: r.url(), body: r.postData() });
    });
    const { url, state } = authorizeUrl({ connection_id: conn });
    await page.goto(url);
    await page.waitForURL(atApp);
    await expectSignedIn(page, state);
    await page.goto(`${ctx.idp.origin}/idp-initiated?sp=${encodeURIComponent(`${base}/sso/saml/metadata/${conn}`)}`);
    await page.waitForURL((u) => u.href.startsWith(`${ctx.receiver.origin}/initiate`));
    assert.equal(forms.length, 2);
    for (const form of forms) {
      const r = await fetch(form.url, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.body, redirect: 'manual',
      });
      assert.equal(r.status, 400, form.body.slice(0, 40));
      assert.doesNotMatch(await r.text(), /idp_initiated_login|code=/);
    }
    await context.close();
  });

  test('refusals reach the application as documented codes with the state', async () => {
    const cases = [
      [{ x_status: 'AuthnFailed' }, 'authentication_not_completed'],
      [{ x_not_on_or_after: '-600' }, 'assertion_expired'],
      [{ x_audience: 'https://someone-else.example/sp' }, 'invalid_saml_response'],
      [{ x_recipient: 'https://someone-else.example/acs' }, 'invalid_saml_response'],
      [{ x_sign: 'none' }, 'signature_validation_failed'],
    ];
    try {
      for (const [knobs, code] of cases) {
        await fetch(`${ctx.idp.origin}/_control`, { method: 'POST', body: JSON.stringify(knobs) });
        const { context, page } = await openPage(ctx.browser);
        const { url, state } = authorizeUrl({ connection_id: conn });
        await page.goto(url);
        await page.waitForURL(atApp);
        const back = new URL(page.url());
        assert.equal(back.searchParams.get('error'), code, JSON.stringify(knobs));
        assert.equal(back.searchParams.get('state'), state);
        assert.equal(back.searchParams.get('iss'), base);
        assert.equal(back.searchParams.get('code'), null);
        await context.close();
      }
    } finally {
      await fetch(`${ctx.idp.origin}/_control`, { method: 'POST', body: '{}' });
    }
  });
});
