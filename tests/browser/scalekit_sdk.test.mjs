// The official Scalekit Node SDK (@scalekit-sdk/node, pinned in package-lock.json) as an
// application's backend against the real gatehouse binary (GATEHOUSE_BIN): the proof that the
// token flow is wire-compatible (docs: /work/shared/wire/scalekit-compat.md §(a)-(d), (h)).
// Headless Chromium (playwright-core) plays the user on the hosted pages with the code from a real
// email (tests/support/smtp_sink.py); the application's redirect URI and post-logout page are a
// small HTTP server of the test's own.
//
// The SDK sends every request to `envUrl` itself (axios baseURL), so nothing can be rerouted as
// tokens.test.mjs does: gatehouse is started with --issuer http://127.0.0.1:P and --listen
// 127.0.0.1:P on a port P found free just before.
//
// Journey (server: --refresh-reuse-grace 0s), in order, sharing one signed-in browser page:
//   - getAuthorizationUrl (openid profile email offline_access, state, nonce, PKCE S256,
//     loginHint, prompt=create) -> the hosted sign-up with a name -> the redirect URI ->
//     authenticateWithCode: user (usr_ id, email, emailVerified, name), idToken, accessToken,
//     refreshToken, expiresIn;
//   - validateAccessToken / validateToken (issuer, audience, requiredScopes): the claims; tampered,
//     foreign-key, wrong-issuer and wrong-audience tokens are refused;
//   - refreshAccessToken: rotation; the rotated token used again throws, and so does its successor;
//     the sign-in's code used again throws (the axios error, invalid_grant);
//   - getLogoutUrl in the same page: the post-logout URI with state; prompt=none then fails (from
//     an SDK given the environment URL with a trailing slash: //oauth/authorize);
//   - getClientAccessToken / generateClientToken (client_credentials) and the management bootstrap
//     (authenticateClient): tokens validateAccessToken accepts; a wrong secret is a 401
//     ScalekitServerException. No management (gRPC) call is made: that API is not there yet.
//
// Run: GATEHOUSE_BIN=build/src/app/gatehouse tests/browser/run.sh scalekit_sdk.test.mjs (ctest:
// e2e.browser_scalekit_sdk). Every process started here is stopped at the end by its PID.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, freePort, gatehouse, openPage, scratchDirs, startReceiver, startServerAt, startSink,
  submitCode, submitEmail, teardown, waitUntil,
} from './support.mjs';

// Node 18 (Debian 12's nodejs) has no global WebCrypto, which jose calls.
globalThis.crypto ??= (await import('node:crypto')).webcrypto;
const jose = await import('jose');

// The SDK is CommonJS and does require('jose'), but jose 6 is ESM only: that works from Node
// 20.19/22.12 on (require(esm)) and throws ERR_REQUIRE_ESM on Node 18, where the SDK cannot even be
// loaded (whatever its "engines": ">=18.14.1" says). There, the module jose resolves to for the SDK
// is put in the CommonJS cache as the ESM namespace loaded above (the same file of the same
// version), which is what require(esm) would have returned.
const require = createRequire(import.meta.url);
const sdkRequire = createRequire(require.resolve('@scalekit-sdk/node'));
try {
  sdkRequire('jose');
} catch (e) {
  if (e.code !== 'ERR_REQUIRE_ESM') throw e;
  const file = sdkRequire.resolve('jose');
  const shim = new Module(file);
  shim.filename = file;
  shim.loaded = true;
  shim.exports = jose;
  require.cache[file] = shim;
}
const { Scalekit, ScalekitServerException, ScalekitValidateTokenFailureException } = require('@scalekit-sdk/node');
const SDK_VERSION = require('@scalekit-sdk/node/package.json').version;

const SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const NO_LIMITS = ['--rate-limit-email', '1000', '--rate-limit-ip', '1000', '--rate-limit-verify-ip', '1000'];
const ACCESS_LIFETIME = 5 * 60;  // the server's default --access-token-lifetime

const now = () => Math.floor(Date.now() / 1000);

function address(what) {
  return `${what}-${randomBytes(3).toString('hex')}@example.com`;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// The claims of a JWT, unverified (for comparisons; verification is the SDK's job here).
const claimsOf = (jwt) => jose.decodeJwt(jwt);

// The same JWT with one claim changed and the original signature kept.
function withClaim(jwt, name, value) {
  const [header, , signature] = jwt.split('.');
  const payload = Buffer.from(JSON.stringify({ ...claimsOf(jwt), [name]: value })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

// An SDK call that must fail with `Type` (and, if given, a message matching `message`).
async function rejectsWith(promise, Type, message) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Type, `expected ${Type.name}, got ${e?.name}: ${e?.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe(`@scalekit-sdk/node ${SDK_VERSION} as the application's backend`, () => {
  let tmp;
  let sink;
  let app;  // the application: its redirect URI /cb and post-logout page /signed-out
  let browser;
  let server;
  let envUrl;
  let redirectUri;
  let postLogoutUri;
  let appClient;
  let machine;
  let acme;
  let sdk;

  // What the journey carries from one step to the next.
  const journey = {};

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gh-browser-scalekit-'));
    scratchDirs.add(tmp);
    app = await startReceiver();
    redirectUri = `${app.origin}/cb`;
    postLogoutUri = `${app.origin}/signed-out`;
    sink = await startSink(path.join(tmp, 'mail'));

    const data = path.join(tmp, 'data');
    const port = await freePort();
    gatehouse('init', '--data', data, '--issuer', `http://127.0.0.1:${port}`);
    acme = gatehouse('org', 'create', '--data', data, '--name', 'Acme').id;
    appClient = gatehouse('client', 'create', '--data', data, '--name', 'SDK App', '--redirect-uri', redirectUri,
      '--post-logout-redirect-uri', postLogoutUri);
    machine = gatehouse('client', 'create', '--data', data, '--name', 'Acme Sync', '--scope', 'read:things',
      '--scope', 'write:things', '--organization', acme);
    for (const c of [appClient, machine]) assert.ok(c.client_id && c.client_secret, JSON.stringify(c));
    const flags = ['--smtp', sink.url, '--access-log', 'false', '--refresh-reuse-grace', '0s', ...NO_LIMITS];
    server = await startServerAt(data, port, ...flags);
    envUrl = server.envUrl;
    sdk = new Scalekit(envUrl, appClient.client_id, appClient.client_secret);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    try { if (journey.context) await journey.context.close(); } catch { /* the browser is gone */ }
    await teardown({ browser, server, sink, listeners: [app], dir: tmp });
  });

  const isCallback = (u) => u.origin === app.origin && u.pathname === '/cb';

  test('getAuthorizationUrl -> hosted sign-up in Chromium -> authenticateWithCode', async () => {
    const opened = await openPage(browser);
    Object.assign(journey, opened);
    const { page, problems } = opened;
    const email = address('sdk');
    const name = 'Ada Lovelace';
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const { verifier, challenge } = pkce();

    const url = sdk.getAuthorizationUrl(redirectUri, {
      scopes: SCOPES, state, nonce, codeChallenge: challenge, codeChallengeMethod: 'S256', loginHint: email,
      prompt: 'create',
    });
    const built = new URL(url);
    assert.equal(built.origin + built.pathname, `${envUrl}/oauth/authorize`);
    assert.deepEqual([...built.searchParams.keys()], ['response_type', 'client_id', 'redirect_uri', 'scope', 'state',
      'nonce', 'login_hint', 'code_challenge', 'code_challenge_method', 'prompt']);
    assert.equal(built.searchParams.get('scope'), SCOPES.join(' '));
    assert.match(url, /scope=openid%20profile%20email%20offline_access&/, 'the SDK escapes spaces as %20');

    await page.goto(url);
    assert.equal(await page.locator('input[type="email"]').inputValue(), email, 'login_hint fills in the email');
    const mail = await submitEmail(page, sink, email, name);
    await submitCode(page, mail.code, isCallback);
    const callback = new URL(page.url());
    assert.equal(callback.searchParams.get('error'), null,
      `error ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`);
    assert.equal(callback.searchParams.get('state'), state);
    const code = callback.searchParams.get('code');
    assert.ok(code, `a code in ${callback}`);

    const auth = await sdk.authenticateWithCode(code, redirectUri, { codeVerifier: verifier });
    assert.match(auth.user.id, /^usr_/);
    assert.equal(auth.user.email, email);
    assert.equal(auth.user.emailVerified, true);
    assert.equal(auth.user.name, name);
    for (const k of ['idToken', 'accessToken', 'refreshToken']) assert.equal(typeof auth[k], 'string', k);
    assert.ok(Number.isInteger(auth.expiresIn), `expiresIn is an integer: ${auth.expiresIn}`);
    assert.ok(auth.expiresIn <= ACCESS_LIFETIME && auth.expiresIn >= ACCESS_LIFETIME - 5, `expiresIn ${auth.expiresIn}`);

    // The SDK only decodes the ID token; what it would have been checked against.
    const id = claimsOf(auth.idToken);
    assert.equal(id.iss, envUrl);
    assert.deepEqual(id.aud, [appClient.client_id]);
    assert.equal(id.sub, auth.user.id);
    assert.equal(id.nonce, nonce);
    assert.ok(id.exp > now());
    assert.match(id.sid, /^ses_/);
    Object.assign(journey, { email, name, auth, id, code, verifier });
    assert.deepEqual(problems, []);
  });

  test('validateAccessToken and validateToken: the claims; altered tokens are refused', async () => {
    const { auth, id } = journey;
    assert.ok(auth, 'signed in');
    assert.equal(await sdk.validateAccessToken(auth.accessToken), true);
    const claims = await sdk.validateToken(auth.accessToken, { issuer: envUrl, audience: [appClient.client_id] });
    assert.equal(claims.iss, envUrl);
    assert.deepEqual(claims.aud, [appClient.client_id]);
    assert.equal(claims.sub, auth.user.id);
    assert.equal(claims.sid, id.sid);
    assert.equal(claims.client_id, appClient.client_id);
    assert.deepEqual([...claims.scopes].sort(), [...SCOPES].sort());
    assert.deepEqual(claims.scope.split(' ').sort(), [...SCOPES].sort());
    assert.match(claims.jti, /^tkn_/);
    for (const k of ['iat', 'nbf', 'exp']) assert.ok(Number.isInteger(claims[k]), `${k} is an integer`);
    // The SDK keeps the key set it fetched from /keys: every key has a kid.
    assert.ok(sdk.coreClient.keys.length > 0);
    for (const k of sdk.coreClient.keys) assert.equal(typeof k.kid, 'string');

    // requiredScopes reads the `scopes` array.
    await sdk.validateToken(auth.accessToken, { requiredScopes: ['openid', 'offline_access'] });
    await rejectsWith(sdk.validateToken(auth.accessToken, { requiredScopes: ['admin:all'] }),
      ScalekitValidateTokenFailureException, /admin:all/);
    // The ID token verifies the same way (the SDK itself never checks it).
    const idClaims = await sdk.validateToken(auth.idToken, { issuer: envUrl, audience: [appClient.client_id] });
    assert.equal(idClaims.sub, auth.user.id);

    // Tampered: a claim changed under the original signature; a signature of another key under the
    // same kid; no signature at all.
    const tampered = withClaim(auth.accessToken, 'sub', 'usr_someone_else');
    const [header] = auth.accessToken.split('.');
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString());
    const { privateKey } = await jose.generateKeyPair('RS256');
    const forged = await new jose.SignJWT(claimsOf(auth.accessToken))
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).sign(privateKey);
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url');
    const unsigned = `${noneHeader}.${auth.accessToken.split('.')[1]}.`;
    for (const bad of [tampered, forged, unsigned, 'not-a-jwt']) {
      assert.equal(await sdk.validateAccessToken(bad), false);
      await rejectsWith(sdk.validateToken(bad), ScalekitValidateTokenFailureException);
    }
    // Issuer and audience are checked when asked for.
    assert.equal(await sdk.validateAccessToken(auth.accessToken, { issuer: 'http://127.0.0.1:1' }), false);
    assert.equal(await sdk.validateAccessToken(auth.accessToken, { audience: ['skc_other'] }), false);
  });

  test('refreshAccessToken rotates; the rotated token used again throws, and ends its successor too', async () => {
    const { auth, id } = journey;
    assert.ok(auth, 'signed in');
    const second = await sdk.refreshAccessToken(auth.refreshToken);
    const rotatedAt = Date.now();
    assert.deepEqual(Object.keys(second).sort(), ['accessToken', 'refreshToken']);
    assert.notEqual(second.refreshToken, auth.refreshToken, 'a new refresh token');
    assert.notEqual(second.accessToken, auth.accessToken, 'a new access token');
    const claims = await sdk.validateToken(second.accessToken, { issuer: envUrl, audience: [appClient.client_id] });
    assert.equal(claims.sub, auth.user.id);
    assert.equal(claims.sid, id.sid);
    assert.notEqual(claims.jti, claimsOf(auth.accessToken).jti);

    // Rotated once more: the chain goes on.
    const third = await sdk.refreshAccessToken(second.refreshToken);
    assert.equal(await sdk.validateAccessToken(third.accessToken), true);

    // --refresh-reuse-grace 0s: once the rotation is a whole second old, a rotated token presented
    // again is a replay. The SDK wraps the server's 400 in a plain Error.
    const target = (Math.floor(rotatedAt / 1000) + 1) * 1000;
    await waitUntil(() => Date.now() >= target, 'the next second', 3000);
    await rejectsWith(sdk.refreshAccessToken(auth.refreshToken), Error, /^Failed to refresh token: .*\b400\b/);
    // The replay revoked the family: the latest token is dead as well.
    await rejectsWith(sdk.refreshAccessToken(third.refreshToken), Error, /^Failed to refresh token: .*\b400\b/);
    await rejectsWith(sdk.refreshAccessToken(''), Error, /Refresh token is required/);

    // The code of the sign-in, used again (only now: its second use revokes what its first gave):
    // the SDK surfaces the server's refusal as the axios error it got.
    await assert.rejects(sdk.authenticateWithCode(journey.code, redirectUri, { codeVerifier: journey.verifier }),
      (e) => e.response?.status === 400 && e.response.data?.error === 'invalid_grant');
  });

  test('getLogoutUrl in the same page: back at the post-logout URI with state; the session is over', async () => {
    const { auth, page, context, problems } = journey;
    assert.ok(auth, 'signed in');
    const sessionCookies = async () => (await context.cookies(envUrl)).filter((c) => /gh_session$/.test(c.name));
    assert.equal((await sessionCookies()).length, 1, 'signed in: a session cookie');

    const state = randomBytes(16).toString('base64url');
    const url = sdk.getLogoutUrl({ idTokenHint: auth.idToken, postLogoutRedirectUri: postLogoutUri, state });
    const built = new URL(url);
    assert.equal(built.origin + built.pathname, `${envUrl}/oidc/logout`);
    assert.deepEqual([...built.searchParams.keys()], ['id_token_hint', 'post_logout_redirect_uri', 'state']);
    await page.goto(url);
    await page.waitForURL((u) => u.origin === app.origin && u.pathname === '/signed-out');
    assert.equal(new URL(page.url()).searchParams.get('state'), state);
    assert.equal((await sessionCookies()).length, 0, 'the session cookie is gone');

    // prompt=none: no session to sign in silently with. Built by an SDK given the environment URL
    // with a trailing slash, which makes it ask for //oauth/authorize.
    const slashed = new Scalekit(`${envUrl}/`, appClient.client_id, appClient.client_secret);
    const silentState = randomBytes(16).toString('base64url');
    const { challenge } = pkce();
    const silent = slashed.getAuthorizationUrl(redirectUri, {
      state: silentState, prompt: 'none', codeChallenge: challenge, codeChallengeMethod: 'S256',
    });
    assert.ok(silent.startsWith(`${envUrl}//oauth/authorize?`), silent);
    await page.goto(silent);
    await page.waitForURL(isCallback);
    const answer = new URL(page.url());
    assert.equal(answer.searchParams.get('error'), 'login_required');
    assert.equal(answer.searchParams.get('state'), silentState);
    assert.deepEqual(problems, []);
  });

  test('client_credentials: getClientAccessToken, generateClientToken and the management bootstrap', async () => {
    const token = await sdk.getClientAccessToken();
    assert.equal(await sdk.validateAccessToken(token), true);
    const claims = await sdk.validateToken(token, { issuer: envUrl, audience: [appClient.client_id] });
    assert.equal(claims.client_id, appClient.client_id);
    assert.equal(claims.sub, appClient.client_id);
    assert.equal('sid' in claims, false, 'no browser session');

    // An organization's machine client, by id and secret: its scopes and organization.
    const m2m = await sdk.generateClientToken(machine.client_id, machine.client_secret);
    const m = await sdk.validateToken(m2m, {
      issuer: envUrl, audience: [machine.client_id], requiredScopes: ['read:things', 'write:things'],
    });
    assert.equal(m.client_id, machine.client_id);
    assert.equal(m.oid, acme);
    assert.deepEqual([...m.scopes].sort(), ['read:things', 'write:things']);

    // A wrong secret: the server's 401 as the SDK's ScalekitServerException.
    await assert.rejects(sdk.generateClientToken(machine.client_id, 'wrong-secret'), (e) => {
      assert.ok(e instanceof ScalekitServerException, `${e?.name}: ${e?.message}`);
      assert.equal(e.httpStatus, 401);
      assert.equal(e.grpcStatus, 16, 'Unauthenticated');
      assert.equal(e.errDetails?.error, 'invalid_client');
      return true;
    });

    // The bootstrap a management call makes (core.js authenticateClient, the same client_credentials
    // request); afterwards the SDK sends the token as a Bearer header on its other HTTP calls, the
    // JWKS fetch of a new instance included, which the server must ignore.
    const fresh = new Scalekit(envUrl, appClient.client_id, appClient.client_secret);
    await fresh.coreClient.authenticateClient();
    assert.equal(typeof fresh.coreClient.accessToken, 'string');
    assert.equal(fresh.coreClient.keys.length, 0, 'no key set fetched yet');
    assert.equal(await fresh.validateAccessToken(fresh.coreClient.accessToken), true);
    assert.ok(fresh.coreClient.keys.length > 0);
  });
});
