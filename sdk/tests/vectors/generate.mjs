// Regenerates authorization_urls.json and logout_urls.json: the URLs the official
// @scalekit-sdk/node builds (getAuthorizationUrl, getLogoutUrl; both offline), which the C++ SDK
// must reproduce byte for byte (sdk/tests/url_test.cc). The JSON files are committed, so the C++
// test needs no Node; run this only to extend the cases or after an SDK upgrade:
//   cd tests/browser && node ../../sdk/tests/vectors/generate.mjs
// (the SDK resolves from tests/browser/node_modules, pinned in its package-lock.json).
import { writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(process.cwd(), 'package.json'));

// The SDK is CommonJS and does require('jose'), which is ESM only: fine from Node 20.19/22.12 on
// (require(esm)), ERR_REQUIRE_ESM on Node 18. There the ESM namespace is put in the CommonJS cache
// under jose's file, as tests/browser/scalekit_sdk.test.mjs does.
const sdkRequire = createRequire(require.resolve('@scalekit-sdk/node'));
try {
  sdkRequire('jose');
} catch (e) {
  if (e.code !== 'ERR_REQUIRE_ESM') throw e;
  globalThis.crypto ??= (await import('node:crypto')).webcrypto;
  const file = sdkRequire.resolve('jose');
  const shim = new Module(file);
  shim.filename = file;
  shim.loaded = true;
  shim.exports = await import(pathToFileURL(file).href);
  require.cache[file] = shim;
}
const { Scalekit } = require('@scalekit-sdk/node');
const SDK_VERSION = require('@scalekit-sdk/node/package.json').version;

const ENV = 'https://auth.example.test';
const CLIENT = 'skc_123';
const REDIRECT = 'https://app.example.test/auth/callback';

// Every byte class the encoder must get right: reserved delimiters, %, the unreserved marks, a
// space (%20, never +) and multi-byte UTF-8.
const AWKWARD = 'a b+c&d=e/f?g#h%i~j-k.l_m é 日本';

const authorizationCases = [
  { name: 'defaults only', options: {} },
  {
    name: 'every option at once',
    options: {
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      state: 'state-123',
      nonce: 'nonce-456',
      loginHint: 'user@example.com',
      domainHint: 'example.com',
      connectionId: 'conn_1',
      organizationId: 'org_2',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      provider: 'google',
      prompt: 'login',
    },
  },
  { name: 'custom scopes with offline_access', options: { scopes: ['openid', 'offline_access'] } },
  { name: 'empty scopes array', options: { scopes: [] } },
  { name: 'single scope', options: { scopes: ['openid'] } },
  {
    name: 'typical login (PKCE, state, nonce, organization)',
    options: {
      state: 'Xo1y0lTQ3JkH3jlB3K5rmwFq6LkL7hl0mUpYc2Yq0Ac',
      nonce: 'm1wq9F1iN6aJp8X2n0s4Z7cR5bT3vY8uK2dE6gH9jLo',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      organizationId: 'org_59615193906282635',
    },
  },
  { name: 'awkward characters in state', options: { state: AWKWARD } },
  {
    name: 'awkward characters in every value',
    redirectUri: `https://app.example.test/cb?x=${AWKWARD}`,
    options: {
      scopes: ['openid', AWKWARD, 'read:all'],
      state: AWKWARD,
      nonce: AWKWARD,
      loginHint: 'us+er@exämple.com',
      domainHint: 'exämple.com',
      connectionId: AWKWARD,
      organizationId: AWKWARD,
      codeChallenge: AWKWARD,
      codeChallengeMethod: AWKWARD,
      provider: AWKWARD,
      prompt: 'select_account',
    },
  },
  { name: 'four-byte UTF-8 (a surrogate pair in JavaScript)', options: { state: 'key 🔑', nonce: 'Ω' } },
  { name: 'unreserved marks only', options: { state: '~-._AZaz09' } },
  { name: 'every printable ASCII character', options: { state: printableAscii() } },
  { name: 'domainHint alone (sent as domain_hint and domain)', options: { domainHint: 'example.com' } },
  { name: 'loginHint with plus', options: { loginHint: 'first.last+tag@example.com' } },
  { name: 'provider', options: { provider: 'github', state: 's' } },
  { name: 'prompt none', options: { prompt: 'none' } },
  { name: 'connectionId', options: { connectionId: 'conn_69615193906282635' } },
  { name: 'redirect URI with query and fragment', redirectUri: 'http://localhost:3000/cb?next=/a b#frag', options: {} },
  { name: 'client id needing escapes', clientId: 'skc 1/2&3', options: { state: 's' } },
  { name: 'environment URL with a trailing slash', environmentUrl: `${ENV}/`, options: { state: 's' } },
  { name: 'environment URL with a path prefix', environmentUrl: 'https://auth.example.test/auth', options: {} },
  { name: 'environment URL with a port', environmentUrl: 'http://127.0.0.1:8080', options: { nonce: 'n' } },
];

const logoutCases = [
  { name: 'no parameters', options: {} },
  { name: 'no options argument', options: undefined },
  { name: 'idTokenHint alone', options: { idTokenHint: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2ln' } },
  { name: 'postLogoutRedirectUri alone', options: { postLogoutRedirectUri: 'https://app.example.test/bye?x=1' } },
  { name: 'state alone', options: { state: AWKWARD } },
  {
    name: 'all three',
    options: {
      idTokenHint: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2ln',
      postLogoutRedirectUri: 'https://app.example.test/bye',
      state: 'st ate',
    },
  },
  {
    name: 'environment URL with a path prefix',
    environmentUrl: 'https://auth.example.test/auth',
    options: { state: 's' },
  },
];

function printableAscii() {
  let s = '';
  for (let c = 0x20; c < 0x7f; c++) s += String.fromCharCode(c);
  return s;
}

function client(environmentUrl, clientId) {
  return new Scalekit(environmentUrl, clientId, 'unused-secret');
}

const authorization = authorizationCases.map((c) => {
  const environmentUrl = c.environmentUrl ?? ENV;
  const clientId = c.clientId ?? CLIENT;
  const redirectUri = c.redirectUri ?? REDIRECT;
  return {
    name: c.name,
    environment_url: environmentUrl,
    client_id: clientId,
    redirect_uri: redirectUri,
    options: c.options,
    url: client(environmentUrl, clientId).getAuthorizationUrl(redirectUri, c.options),
  };
});

const logout = logoutCases.map((c) => {
  const environmentUrl = c.environmentUrl ?? ENV;
  return {
    name: c.name,
    environment_url: environmentUrl,
    client_id: CLIENT,
    options: c.options ?? {},
    url: client(environmentUrl, CLIENT).getLogoutUrl(c.options),
  };
});

function write(file, cases) {
  writeFileSync(path.join(here, file), `${JSON.stringify(cases, null, 2)}\n`);
  console.log(`${file}: ${cases.length} cases from @scalekit-sdk/node ${SDK_VERSION}`);
}

write('authorization_urls.json', authorization);
write('logout_urls.json', logout);
