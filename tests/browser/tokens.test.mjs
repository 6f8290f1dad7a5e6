// The token journey with an OpenID-certified relying party: openid-client (v6) talks to the real
// gatehouse binary (GATEHOUSE_BIN), jose verifies every JWT against GET /keys on its own, and
// Debian's headless Chromium (playwright-core) signs in on the hosted pages with the code from a
// real email (tests/support/smtp_sink.py). The application's redirect URI, its post-logout page
// and its back-channel logout endpoint are small HTTP servers of the test's own.
//
// The tokens name the issuer http://127.0.0.1:8080 while the server listens on a free port: the
// relying party is configured for the issuer, and its requests (customFetch) and the browser's
// navigations are sent to the server's real port, as a reverse proxy would.
//
// Journeys (server: --refresh-reuse-grace 0s and lifetimes of its own, so that they show):
//   - discovery lists the token, userinfo, revocation, introspection and end-session endpoints;
//   - authorization code + PKCE (state, nonce, openid profile email offline_access, an
//     organization): authorizationCodeGrant validates the ID token, jose verifies the ID and
//     access tokens (header typ/kid/alg, every claim), the raw token response (no-store), userinfo;
//   - refresh: rotation; the rotated token used again is invalid_grant and revokes the family;
//   - a code used twice: invalid_grant, and the tokens of its first use are revoked;
//   - revocation (a refresh token revokes its family; an access token) and introspection;
//   - logout (buildEndSessionUrl in the same page): the post-logout URI with state, the session
//     cookie gone (prompt=none answers login_required), its refresh token dead, a back-channel
//     logout token that jose verifies, delivered again after the receiver answered 500;
//   - client_credentials of an organization's machine client, verified with jose;
//   - a second server with --signing-alg ES256: one sign-in, ES256 tokens verified with jose.
//
// Run: GATEHOUSE_BIN=build/src/app/gatehouse tests/browser/run.sh tokens.test.mjs (ctest:
// e2e.browser_tokens). Every process started here is stopped at the end by its PID, also on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, gatehouse, openPage, scratchDirs, startReceiver, startServer, startSink, stop,
  submitCode, submitEmail, waitUntil,
} from './support.mjs';

// Node 18 (Debian 12's nodejs) has no global WebCrypto, which openid-client and jose call; it must
// be in place before they are loaded, hence the dynamic imports.
globalThis.crypto ??= (await import('node:crypto')).webcrypto;
const client = await import('openid-client');
const jose = await import('jose');

const ISSUER = 'http://127.0.0.1:8080';
const SCOPE = 'openid profile email offline_access';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const NO_LIMITS = ['--rate-limit-email', '1000', '--rate-limit-ip', '1000', '--rate-limit-verify-ip', '1000'];
// Lifetimes unlike the defaults, so that the tokens show the flags took effect.
const ACCESS_LIFETIME = 7 * 60;
const ID_LIFETIME = 20 * 60;
const MACHINE_LIFETIME = 2 * 60;
const LIFETIME_FLAGS = [
  '--access-token-lifetime', '7m', '--id-token-lifetime', '20m', '--client-credentials-token-lifetime', '2m',
  '--refresh-token-lifetime', '1d',
];

const now = () => Math.floor(Date.now() / 1000);

function address(what) {
  return `${what}-${randomBytes(3).toString('hex')}@example.com`;
}

// at_hash (OIDC Core §3.1.3.6): the left half of the SHA-256 (the hash of RS256 and ES256) of
// the access token, base64url.
function atHash(accessToken) {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

// The error code of a rejected openid-client call (a ResponseBodyError, or its cause).
async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.error ?? e.cause?.error, code, `expected ${code}, got ${e.name}: ${e.message} ${JSON.stringify(e.cause)}`);
    return true;
  });
}

// Integer iat/nbf/exp, nbf = iat = about now, exp = iat + lifetime.
function assertTimes(claims, lifetime) {
  for (const k of ['iat', 'nbf', 'exp']) assert.ok(Number.isInteger(claims[k]), `${k} is an integer: ${claims[k]}`);
  assert.equal(claims.nbf, claims.iat, 'nbf = iat');
  assert.equal(claims.exp - claims.iat, lifetime, 'exp - iat is the lifetime');
  assert.ok(Math.abs(claims.iat - now()) <= 5, `iat ${claims.iat} is now`);
}

function assertScopes(claims, expected) {
  assert.equal(typeof claims.scope, 'string');
  assert.deepEqual(claims.scope.split(' ').sort(), expected.split(' ').sort());
  assert.deepEqual(claims.scopes, claims.scope.split(' '), 'scopes is scope as an array');
}

// One gatehouse server with its relying-party plumbing: the base URL, the JWKS for jose, and a
// fetch for openid-client that sends the issuer's URLs to the server and records each exchange
// ({ path, status, headers, body }) in `traffic`.
function plumbing(port) {
  const base = `http://127.0.0.1:${port}`;
  const traffic = [];
  const toServer = (url) => {
    const s = String(url);
    return s.startsWith(`${ISSUER}/`) ? base + s.slice(ISSUER.length) : s;
  };
  const viaServer = async (url, options) => {
    const response = await fetch(toServer(url), options);
    traffic.push({
      path: new URL(String(url)).pathname, status: response.status, headers: response.headers,
      body: await response.clone().text(),
    });
    return response;
  };
  return {
    base, traffic, toServer, viaServer,
    jwks: jose.createRemoteJWKSet(new URL(`${base}/keys`)),
    // The last answer of the token endpoint, as it came (before openid-client normalised it).
    lastTokenResponse() {
      const r = traffic.findLast((t) => t.path === '/oauth/token');
      assert.ok(r, 'the token endpoint was called');
      return r;
    },
    async discover(clientId, clientSecret) {
      return client.discovery(new URL(ISSUER), clientId, clientSecret, undefined, {
        execute: [client.allowInsecureRequests], [client.customFetch]: viaServer,
      });
    },
    async keys() {
      const r = await fetch(`${base}/keys`);
      assert.equal(r.status, 200);
      return (await r.json()).keys;
    },
  };
}

// jose's verification of one of our JWTs, and the header checks every SDK relies on: `kid` of a
// published key whose alg is the token's, `typ`.
async function verifyJwt(rp, token, { typ, audience, alg }) {
  const { payload, protectedHeader } = await jose.jwtVerify(token, rp.jwks, {
    issuer: ISSUER, audience, typ, algorithms: [alg],
  });
  assert.equal(protectedHeader.alg, alg);
  assert.equal(protectedHeader.typ, typ);
  assert.equal(typeof protectedHeader.kid, 'string');
  const jwk = (await rp.keys()).find((k) => k.kid === protectedHeader.kid);
  assert.ok(jwk, `kid ${protectedHeader.kid} is in /keys`);
  if (jwk.alg !== undefined) assert.equal(jwk.alg, alg);
  if (jwk.use !== undefined) assert.equal(jwk.use, 'sig');
  return { payload, header: protectedHeader, jwk };
}

// The raw token response: 200 JSON as every SDK reads it, never cached.
function assertTokenResponse(raw, { idToken, refreshToken }) {
  assert.equal(raw.status, 200, raw.body);
  assert.match(raw.headers.get('cache-control') || '', /\bno-store\b/);
  assert.match(raw.headers.get('pragma') || '', /\bno-cache\b/);
  assert.match(raw.headers.get('content-type') || '', /^application\/json\b/);
  const body = JSON.parse(raw.body);
  assert.equal(body.token_type, 'Bearer');
  assert.ok(Number.isInteger(body.expires_in), `expires_in is an integer: ${body.expires_in}`);
  assert.equal(typeof body.access_token, 'string');
  assert.equal(typeof body.scope, 'string');
  assert.equal('id_token' in body, idToken, `id_token ${idToken ? 'present' : 'absent'}`);
  assert.equal('refresh_token' in body, refreshToken, `refresh_token ${refreshToken ? 'present' : 'absent'}`);
  return body;
}

describe('tokens through openid-client and jose, signed in with headless Chromium', () => {
  let tmp;
  let sink;
  let app;          // the application: its redirect URI /cb and post-logout page /signed-out
  let backchannel;  // its back-channel logout endpoint
  let browser;
  let redirectUri;
  let postLogoutUri;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gh-browser-tokens-'));
    scratchDirs.add(tmp);
    app = await startReceiver();
    redirectUri = `${app.origin}/cb`;
    postLogoutUri = `${app.origin}/signed-out`;
    // The first delivery for each session fails with 500, so that the retry shows.
    const failedOnce = new Set();
    backchannel = await startReceiver((request) => {
      const sid = sidOfDelivery(request);
      if (sid && !failedOnce.has(sid)) {
        failedOnce.add(sid);
        request.answered = 500;
        return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'try again' };
      }
      request.answered = 200;
      return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: '' };
    });
    sink = await startSink(path.join(tmp, 'mail'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    try { if (browser) await browser.close(); } catch (e) { console.error('closing the browser:', e); }
    if (sink) await stop(sink.proc);
    if (app) await app.close();
    if (backchannel) await backchannel.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  // The (unverified) sid of a back-channel delivery, to tell deliveries apart; null if unreadable.
  function sidOfDelivery(request) {
    try {
      return jose.decodeJwt(new URLSearchParams(request.body).get('logout_token')).sid ?? null;
    } catch {
      return null;
    }
  }

  function isCallback(u) {
    return u.origin === app.origin && u.pathname === '/cb';
  }

  // `gatehouse client create`; returns { id, secret } (the JSON names them client_id and
  // client_secret; id and secret are accepted too).
  function createClient(data, ...args) {
    const out = gatehouse('client', 'create', '--data', data, ...args);
    const id = out.client_id ?? out.id;
    const secret = out.client_secret ?? out.secret;
    assert.ok(id && secret, `client create printed an id and a secret: ${JSON.stringify(out)}`);
    return { id, secret };
  }

  // A sign-in on the hosted pages in `page`, from an authorization URL that openid-client built
  // (PKCE S256, state, nonce); resolves on the application's callback with what the exchange needs.
  async function signIn(rp, config, page, email, { name = null, params = {} } = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: SCOPE, state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      ...(name !== null ? { prompt: 'create' } : {}), ...params,
    });
    assert.equal(url.origin, ISSUER, 'the authorization endpoint is the issuer\'s');
    await page.goto(rp.toServer(url));
    const mail = await submitEmail(page, sink, email, name);
    await submitCode(page, mail.code, isCallback);
    const callback = new URL(page.url());
    assert.equal(callback.searchParams.get('error'), null, `error ${callback.searchParams.get('error')}`);
    return { callback, verifier, state, nonce, code: callback.searchParams.get('code') };
  }

  // authorizationCodeGrant: openid-client checks state, iss, PKCE and the ID token (iss, aud, azp,
  // exp, iat, nonce) itself.
  function exchange(config, login) {
    return client.authorizationCodeGrant(config, login.callback, {
      pkceCodeVerifier: login.verifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true,
    });
  }

  async function introspect(config, token) {
    return client.tokenIntrospection(config, token);
  }

  // GET /userinfo by hand: { status, challenge (WWW-Authenticate), body }.
  async function rawUserinfo(rp, token) {
    const r = await fetch(`${rp.base}/userinfo`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: r.status, challenge: r.headers.get('www-authenticate'), body: await r.text() };
  }

  function assertInvalidToken(answer) {
    assert.equal(answer.status, 401, answer.body);
    assert.match(answer.challenge || '', /^Bearer\b.*\berror="invalid_token"/);
  }

  // Waits until the clock has moved past the second in which `at` (ms) fell: a rotation at that
  // moment is then at least one whole second old, beyond a 0 s reuse grace however it is compared.
  async function nextSecond(at) {
    const target = (Math.floor(at / 1000) + 1) * 1000;
    await waitUntil(() => Date.now() >= target, 'the next second', 3000);
  }

  describe('RS256 server', () => {
    let data;
    let server;
    let rp;
    let config;
    let appClient;
    let machine;
    let acme;

    before(async () => {
      data = path.join(tmp, 'data');
      gatehouse('init', '--data', data, '--issuer', ISSUER);
      acme = gatehouse('org', 'create', '--data', data, '--name', 'Acme').id;
      appClient = createClient(data, '--name', 'Token App', '--redirect-uri', redirectUri,
        '--post-logout-redirect-uri', postLogoutUri, '--backchannel-logout-uri', `${backchannel.origin}/backchannel-logout`);
      machine = createClient(data, '--name', 'Acme Sync', '--scope', 'read:things', '--scope', 'write:things',
        '--organization', acme);
      server = await startServer(data, '--smtp', sink.url, '--access-log', 'false', '--refresh-reuse-grace', '0s',
        ...LIFETIME_FLAGS, ...NO_LIMITS);
      rp = plumbing(server.port);
      config = await rp.discover(appClient.id, appClient.secret);
    });

    after(async () => {
      if (server) {
        const code = await stop(server.proc);
        if (code !== 0) console.error(`gatehouse exited with ${code}; log:\n${server.log.join('\n')}`);
      }
    });

    // A signed-in page (its own browser context) and the tokens of the code exchange.
    async function signedIn(what, options = {}) {
      const opened = await openPage(browser);
      const email = address(what);
      const login = await signIn(rp, config, opened.page, email, options);
      const tokens = await exchange(config, login);
      return { ...opened, email, login, tokens };
    }

    test('discovery names every endpoint of the token flow', () => {
      const m = config.serverMetadata();
      assert.equal(m.issuer, ISSUER);
      assert.equal(m.authorization_endpoint, `${ISSUER}/oauth/authorize`);
      assert.equal(m.jwks_uri, `${ISSUER}/keys`);
      assert.equal(m.token_endpoint, `${ISSUER}/oauth/token`);
      assert.equal(m.userinfo_endpoint, `${ISSUER}/userinfo`);
      assert.equal(m.revocation_endpoint, `${ISSUER}/oauth/revoke`);
      assert.equal(m.introspection_endpoint, `${ISSUER}/oauth/introspect`);
      assert.equal(m.end_session_endpoint, `${ISSUER}/oidc/logout`);
      assert.deepEqual([...m.grant_types_supported].sort(), ['authorization_code', 'client_credentials', 'refresh_token']);
      assert.deepEqual([...m.token_endpoint_auth_methods_supported].sort(), ['client_secret_basic', 'client_secret_post']);
      assert.equal(m.backchannel_logout_supported, true);
      assert.equal(m.backchannel_logout_session_supported, true);
      assert.ok(m.id_token_signing_alg_values_supported.includes('RS256'));
    });

    test('code flow with PKCE: openid-client validates the response, jose verifies every claim', async () => {
      const started = now();
      const name = 'Ada Q. Lovelace';
      const { context, problems, email, login, tokens } = await signedIn('ada', { name, params: { organization_id: acme } });
      try {
        assert.equal(login.callback.searchParams.get('iss'), ISSUER);
        const raw = assertTokenResponse(rp.lastTokenResponse(), { idToken: true, refreshToken: true });
        assert.ok(raw.expires_in <= ACCESS_LIFETIME && raw.expires_in >= ACCESS_LIFETIME - 5, `expires_in ${raw.expires_in}`);
        assert.deepEqual(raw.scope.split(' ').sort(), SCOPE.split(' ').sort());
        assert.equal(tokens.access_token, raw.access_token);

        const id = await verifyJwt(rp, tokens.id_token, { typ: 'JWT', audience: appClient.id, alg: 'RS256' });
        const c = id.payload;
        assert.equal(c.iss, ISSUER);
        assert.match(c.sub, /^usr_/);
        assert.deepEqual(c.aud, [appClient.id]);
        assert.equal(c.azp, appClient.id);
        assertTimes(c, ID_LIFETIME);
        assert.ok(Number.isInteger(c.auth_time) && c.auth_time >= started - 1 && c.auth_time <= c.iat, `auth_time ${c.auth_time}`);
        assert.equal(c.nonce, login.nonce);
        assert.equal(c.at_hash, atHash(tokens.access_token));
        assert.match(c.sid, /^ses_/);
        assert.equal(c.oid, acme);
        assert.ok(Array.isArray(c.amr) && c.amr.length >= 1, `amr ${JSON.stringify(c.amr)}`);
        assert.match(c.amr[0], /^conn_/);
        assert.equal(c.email, email);
        assert.equal(c.email_verified, true);
        assert.equal(c.name, name);
        assert.deepEqual(tokens.claims(), c, 'openid-client read the same claims');

        const at = await verifyJwt(rp, tokens.access_token, { typ: 'at+jwt', audience: appClient.id, alg: 'RS256' });
        const a = at.payload;
        assert.equal(at.header.kid, id.header.kid, 'one active key signs both');
        assert.equal(a.iss, ISSUER);
        assert.equal(a.sub, c.sub);
        assert.deepEqual(a.aud, [appClient.id]);
        assertTimes(a, ACCESS_LIFETIME);
        assert.match(a.jti, /^tkn_/);
        assert.equal(a.sid, c.sid);
        assert.equal(a.client_id, appClient.id);
        assert.equal(a.oid, acme);
        assertScopes(a, SCOPE);
        assert.deepEqual(a.roles, []);
        assert.deepEqual(a.permissions, []);

        // An access token is not an ID token and the other way round (typ tells them apart).
        await assert.rejects(jose.jwtVerify(tokens.access_token, rp.jwks, { issuer: ISSUER, typ: 'JWT' }));
        await assert.rejects(jose.jwtVerify(tokens.id_token, rp.jwks, { issuer: ISSUER, typ: 'at+jwt' }));

        const info = await client.fetchUserInfo(config, tokens.access_token, c.sub);
        assert.equal(info.sub, c.sub);
        assert.equal(info.email, email);
        assert.equal(info.email_verified, true);
        assert.equal(info.name, name);
        const userinfoAnswer = rp.traffic.findLast((t) => t.path === '/userinfo');
        assert.match(userinfoAnswer.headers.get('cache-control') || '', /\bno-store\b/);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    test('refresh rotates the token; the rotated one used again revokes the whole family', async () => {
      const { context, tokens: first } = await signedIn('ben');
      try {
        const idClaims = first.claims();
        const second = await client.refreshTokenGrant(config, first.refresh_token);
        const rotatedAt = Date.now();
        assertTokenResponse(rp.lastTokenResponse(), { idToken: true, refreshToken: true });
        assert.notEqual(second.refresh_token, first.refresh_token, 'a new refresh token');
        assert.notEqual(second.access_token, first.access_token, 'a new access token');

        const id = (await verifyJwt(rp, second.id_token, { typ: 'JWT', audience: appClient.id, alg: 'RS256' })).payload;
        assert.equal(id.sub, idClaims.sub);
        assert.equal(id.sid, idClaims.sid);
        assert.equal(id.auth_time, idClaims.auth_time);
        assert.deepEqual(id.aud, [appClient.id]);
        assert.equal(id.azp, appClient.id);
        assert.equal(id.at_hash, atHash(second.access_token));
        assertTimes(id, ID_LIFETIME);
        const at = (await verifyJwt(rp, second.access_token, { typ: 'at+jwt', audience: appClient.id, alg: 'RS256' })).payload;
        assert.equal(at.sub, idClaims.sub);
        assert.equal(at.sid, idClaims.sid);
        assert.notEqual(at.jti, jose.decodeJwt(first.access_token).jti);
        assertScopes(at, SCOPE);
        assert.equal((await introspect(config, second.access_token)).active, true);

        // The server runs with --refresh-reuse-grace 0s: once the rotation is a second old, the
        // old token presented again is theft, and the family goes.
        await nextSecond(rotatedAt);
        await rejectsWith(client.refreshTokenGrant(config, first.refresh_token), 'invalid_grant');
        await rejectsWith(client.refreshTokenGrant(config, second.refresh_token), 'invalid_grant');
        assert.equal((await introspect(config, second.access_token)).active, false);
        assert.equal((await introspect(config, first.access_token)).active, false);
        assertInvalidToken(await rawUserinfo(rp, second.access_token));
      } finally {
        await context.close();
      }
    });

    test('a code used twice: invalid_grant, and the tokens of its first use are revoked', async () => {
      const { context, page, problems } = await openPage(browser);
      try {
        const login = await signIn(rp, config, page, address('cy'));
        const form = {
          grant_type: 'authorization_code', code: login.code, redirect_uri: redirectUri, code_verifier: login.verifier,
          client_id: appClient.id, client_secret: appClient.secret,
        };
        const post = () => fetch(`${rp.base}/oauth/token`, { method: 'POST', body: new URLSearchParams(form) });
        const firstAnswer = await post();
        const first = await firstAnswer.json();
        assert.equal(firstAnswer.status, 200, JSON.stringify(first));
        assert.equal((await rawUserinfo(rp, first.access_token)).status, 200);
        assert.equal((await introspect(config, first.access_token)).active, true);

        const againAnswer = await post();
        const again = await againAnswer.json();
        assert.equal(againAnswer.status, 400, JSON.stringify(again));
        assert.equal(again.error, 'invalid_grant');
        assert.equal(again.access_token, undefined);
        assert.match(againAnswer.headers.get('cache-control') || '', /\bno-store\b/);

        assert.equal((await introspect(config, first.access_token)).active, false);
        assertInvalidToken(await rawUserinfo(rp, first.access_token));
        await rejectsWith(client.refreshTokenGrant(config, first.refresh_token), 'invalid_grant');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    test('revocation and introspection through openid-client', async () => {
      const a = await signedIn('dee');
      const b = await signedIn('eli');
      try {
        const claims = jose.decodeJwt(a.tokens.access_token);
        const active = await introspect(config, a.tokens.access_token);
        assert.equal(active.active, true);
        assert.equal(active.token_type, 'Bearer');
        assert.equal(active.sub, claims.sub);
        assert.equal(active.client_id, appClient.id);
        assert.equal(active.iss, ISSUER);
        assert.equal(active.jti, claims.jti);
        assert.equal(active.sid, claims.sid);
        assert.equal(active.exp, claims.exp);
        assert.deepEqual(active.scope.split(' ').sort(), SCOPE.split(' ').sort());
        assert.match(rp.traffic.findLast((t) => t.path === '/oauth/introspect').headers.get('cache-control') || '',
          /\bno-store\b/);

        // Revoking the refresh token revokes its family, the access token included.
        await client.tokenRevocation(config, a.tokens.refresh_token, { token_type_hint: 'refresh_token' });
        assert.equal(rp.traffic.findLast((t) => t.path === '/oauth/revoke').status, 200);
        assert.deepEqual(await introspect(config, a.tokens.access_token), { active: false });
        await rejectsWith(client.refreshTokenGrant(config, a.tokens.refresh_token), 'invalid_grant');
        assertInvalidToken(await rawUserinfo(rp, a.tokens.access_token));

        // An access token alone.
        assert.equal((await rawUserinfo(rp, b.tokens.access_token)).status, 200);
        await client.tokenRevocation(config, b.tokens.access_token);
        assert.deepEqual(await introspect(config, b.tokens.access_token), { active: false });
        assertInvalidToken(await rawUserinfo(rp, b.tokens.access_token));

        // Tokens it does not know, or knows revoked: 200 all the same (RFC 7009 §2.2).
        await client.tokenRevocation(config, 'not-a-token');
        await client.tokenRevocation(config, a.tokens.refresh_token);
        assert.deepEqual(await introspect(config, 'not-a-token'), { active: false });
      } finally {
        await a.context.close();
        await b.context.close();
      }
    });

    test('logout: post-logout redirect with state, the session ends, a back-channel logout token (retried)', async () => {
      const { context, page, problems, tokens } = await signedIn('fay');
      try {
        const idClaims = tokens.claims();
        const deliveries = () => backchannel.requests.filter((r) => sidOfDelivery(r) === idClaims.sid);
        assert.equal(deliveries().length, 0);
        const cookies = async () => (await context.cookies(rp.base)).filter((c) => /gh_session$/.test(c.name));
        assert.equal((await cookies()).length, 1, 'signed in: a session cookie');

        const state = client.randomState();
        const endSession = client.buildEndSessionUrl(config, {
          id_token_hint: tokens.id_token, post_logout_redirect_uri: postLogoutUri, state,
        });
        assert.equal(endSession.origin + endSession.pathname, `${ISSUER}/oidc/logout`);
        const loggedOutAt = Date.now();
        await page.goto(rp.toServer(endSession));
        await page.waitForURL((u) => u.origin === app.origin && u.pathname === '/signed-out');
        const landed = new URL(page.url());
        assert.equal(landed.searchParams.get('state'), state);
        assert.equal((await cookies()).length, 0, 'the session cookie is gone');

        // The browser is signed out: prompt=none cannot sign in silently.
        const silentState = client.randomState();
        const verifier = client.randomPKCECodeVerifier();
        const silent = client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri, scope: 'openid', state: silentState, prompt: 'none',
          code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        await page.goto(rp.toServer(silent));
        await page.waitForURL(isCallback);
        const answer = new URL(page.url());
        assert.equal(answer.searchParams.get('error'), 'login_required');
        assert.equal(answer.searchParams.get('state'), silentState);

        // The tokens of that session are dead.
        await rejectsWith(client.refreshTokenGrant(config, tokens.refresh_token), 'invalid_grant');
        assert.equal((await introspect(config, tokens.access_token)).active, false);

        // Back-channel: the first delivery got 500, the retry (about a second later) 200.
        await waitUntil(() => deliveries().some((d) => d.answered === 200), 'the back-channel logout retry', 30_000);
        const [failed, ...rest] = deliveries();
        const delivered = rest.find((d) => d.answered === 200);
        assert.equal(failed.answered, 500);
        assert.ok(failed.at >= loggedOutAt);
        assert.ok(delivered.at - failed.at >= 900, `retried ${delivered.at - failed.at} ms after the failure`);
        for (const d of [failed, delivered]) {
          assert.equal(d.method, 'POST');
          assert.equal(d.url, '/backchannel-logout');
          assert.match(d.headers['content-type'] || '', /^application\/x-www-form-urlencoded\b/);
          const form = new URLSearchParams(d.body);
          assert.deepEqual([...form.keys()], ['logout_token']);
          const { payload: l, header } = await verifyJwt(rp, form.get('logout_token'),
            { typ: 'logout+jwt', audience: appClient.id, alg: 'RS256' });
          assert.equal(header.typ, 'logout+jwt');
          assert.equal(l.iss, ISSUER);
          assert.deepEqual(l.aud, [appClient.id]);
          assert.ok(Number.isInteger(l.iat) && Number.isInteger(l.exp) && l.exp > l.iat, `iat ${l.iat} exp ${l.exp}`);
          assert.ok(Math.abs(l.iat - now()) <= 10);
          assert.equal(typeof l.jti, 'string');
          assert.ok(l.jti.length >= 16);
          assert.equal(l.sub, idClaims.sub);
          assert.equal(l.sid, idClaims.sid);
          assert.deepEqual(l.events, { [BACKCHANNEL_EVENT]: {} });
          assert.equal('nonce' in l, false, 'a logout token has no nonce');
        }
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    test('client_credentials through openid-client: the machine client\'s scopes and organization', async () => {
      const m2m = await rp.discover(machine.id, machine.secret);
      const one = await client.clientCredentialsGrant(m2m, { scope: 'read:things' });
      const raw = assertTokenResponse(rp.lastTokenResponse(), { idToken: false, refreshToken: false });
      assert.equal(raw.scope, 'read:things');
      assert.ok(raw.expires_in <= MACHINE_LIFETIME && raw.expires_in >= MACHINE_LIFETIME - 5, `expires_in ${raw.expires_in}`);
      const { payload: t } = await verifyJwt(rp, one.access_token, { typ: 'at+jwt', audience: machine.id, alg: 'RS256' });
      assert.equal(t.iss, ISSUER);
      assert.equal(t.sub, machine.id);
      assert.equal(t.client_id, machine.id);
      assert.deepEqual(t.aud, [machine.id]);
      assert.match(t.jti, /^tkn_/);
      assertTimes(t, MACHINE_LIFETIME);
      assertScopes(t, 'read:things');
      assert.equal(t.oid, acme);
      assert.equal('sid' in t, false, 'no browser session');

      // Without scope: every scope of the client.
      const all = await client.clientCredentialsGrant(m2m);
      assertScopes(jose.decodeJwt(all.access_token), 'read:things write:things');
      // A scope it was not given.
      await rejectsWith(client.clientCredentialsGrant(m2m, { scope: 'read:things delete:things' }), 'invalid_scope');

      const seen = await introspect(m2m, one.access_token);
      assert.equal(seen.active, true);
      assert.equal(seen.client_id, machine.id);
      assert.equal(seen.sub, machine.id);
      await client.tokenRevocation(m2m, one.access_token);
      assert.deepEqual(await introspect(m2m, one.access_token), { active: false });
    });
  });

  describe('ES256 server', () => {
    let server;
    let rp;
    let config;
    let appClient;

    before(async () => {
      const data = path.join(tmp, 'data-es256');
      gatehouse('init', '--data', data, '--issuer', ISSUER);
      appClient = createClient(data, '--name', 'EC App', '--redirect-uri', redirectUri);
      server = await startServer(data, '--smtp', sink.url, '--access-log', 'false', '--signing-alg', 'ES256', ...NO_LIMITS);
      rp = plumbing(server.port);
      config = await rp.discover(appClient.id, appClient.secret);
    });

    after(async () => {
      if (server) {
        const code = await stop(server.proc);
        if (code !== 0) console.error(`gatehouse exited with ${code}; log:\n${server.log.join('\n')}`);
      }
    });

    test('ES256: discovery says so, and the ID and access tokens verify with jose', async () => {
      assert.deepEqual(config.serverMetadata().id_token_signing_alg_values_supported, ['ES256']);
      const { context, page, problems } = await openPage(browser);
      try {
        const email = address('gus');
        const login = await signIn(rp, config, page, email);
        const tokens = await exchange(config, login);
        const id = await verifyJwt(rp, tokens.id_token, { typ: 'JWT', audience: appClient.id, alg: 'ES256' });
        assert.equal(id.jwk.kty, 'EC');
        assert.equal(id.jwk.crv, 'P-256');
        assert.equal(id.payload.email, email);
        assert.equal(id.payload.nonce, login.nonce);
        assert.equal(id.payload.at_hash, atHash(tokens.access_token));
        const at = await verifyJwt(rp, tokens.access_token, { typ: 'at+jwt', audience: appClient.id, alg: 'ES256' });
        assert.equal(at.header.kid, id.header.kid);
        assert.equal(at.payload.sub, id.payload.sub);
        // Not verifiable as RS256: the algorithm is the key's, not the token's say-so.
        await assert.rejects(jose.jwtVerify(tokens.access_token, rp.jwks, { algorithms: ['RS256'] }));
        const info = await client.fetchUserInfo(config, tokens.access_token, id.payload.sub);
        assert.equal(info.email, email);
        const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
        await verifyJwt(rp, refreshed.access_token, { typ: 'at+jwt', audience: appClient.id, alg: 'ES256' });
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  });
});
