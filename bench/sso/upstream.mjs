// The upstream identity provider for bench/sso.sh: oidc-provider 9.13.3 (the peer's version, from
// bench/peer-install/node_modules), set up production-like as ../shared/bench/peer/server.js:
// NODE_ENV=production, no devInteractions, no request logging, in-memory adapter (the library's
// default LRU), RS256, and a tiny interaction handler:
//   GET  /interaction/:uid        a small login page
//   POST /interaction/:uid/login  login=<account> (any password) finishes the login and grants
//                                 openid profile email at once, so there is no consent step
//                                 (303 to /auth/:uid)
// One client: Gatehouse's connection (client_secret_basic, its callback as the only redirect URI);
// PKCE S256 required (Gatehouse always sends it). Accounts user-<n> with email, email_verified
// and name (claims: oidc-provider's default conformIdTokenClaims, so the ID token
// holds sub only and Gatehouse reads the email from userinfo; CONFORM_ID_TOKEN_CLAIMS=0 puts the
// asked claims into the ID token too).
//
//   NODE_ENV=production PORT=4000 CALLBACK=http://127.0.0.1:PORT/sso/oidc/callback \
//     CLIENT_ID=gh CLIENT_SECRET=... PEER_DIR=bench/peer-install node bench/sso/upstream.mjs
//
// GET /_bench (loopback only, not part of the provider): the time spent inside the provider per
// back-channel endpoint Gatehouse calls (token, userinfo, jwks, discovery) since the start or the
// last POST /_bench/reset: {"token":{"count":N,"ms":SUM,"errors":E}, ...}. Timed around
// oidc-provider's own middleware chain (from the first middleware until the body is set), so it
// leaves out Node's HTTP parsing before Koa sees the request and the writing of the response.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = (k, d) => process.env[k] ?? d;
const PORT = Number(env('PORT', process.argv[2] ?? 0));
const HOST = '127.0.0.1';
const ISSUER = env('ISSUER', `http://${HOST}:${PORT}`);
const CALLBACK = env('CALLBACK', process.argv[3]);
const CLIENT_ID = env('CLIENT_ID', 'gatehouse');
const CLIENT_SECRET = env('CLIENT_SECRET');
const PEER_DIR = path.resolve(env('PEER_DIR', new URL('../peer-install', import.meta.url).pathname));
if (!PORT || !CALLBACK || !CLIENT_SECRET) {
  console.error('usage: PORT=p CALLBACK=url CLIENT_SECRET=s [CLIENT_ID=id] [PEER_DIR=dir] node upstream.mjs');
  process.exit(2);
}
const lib = path.join(PEER_DIR, 'node_modules/oidc-provider');
const { Provider } = await import(pathToFileURL(path.join(lib, 'lib/index.js')).href);
const { version } = (await import(pathToFileURL(path.join(lib, 'package.json')).href, { with: { type: 'json' } })).default;

// Accounts: user-0, user-1, ... (any non-negative number; the load generator signs in as
// user-<worker slot>, so the timed logins are returning users), each with a verified email.
function account(id) {
  const m = /^user-(\d{1,6})$/.exec(id);
  if (!m) return undefined;
  return { sub: id, email: `${id}@upstream.test`, email_verified: true, name: `User ${m[1]} Upstream`,
    given_name: 'User', family_name: `${m[1]} Upstream` };
}

const kp = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  clientDefaults: { id_token_signed_response_alg: 'RS256' },
  jwks: { keys: [{ ...kp.privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'upstream-rs256' }] },
  cookies: { keys: ['upstream-cookie-key-1-0123456789abcdef', 'upstream-cookie-key-2-0123456789abcdef'] },
  claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: env('CONFORM_ID_TOKEN_CLAIMS', '1') !== '0',
  pkce: { required: () => true },
  async findAccount(ctx, sub) {
    const acct = account(sub);
    if (!acct) return undefined;
    return { accountId: sub, async claims() { return { ...acct }; } };
  },
  features: { devInteractions: { enabled: false } },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400 },
};

const provider = new Provider(ISSUER, configuration);
provider.proxy = false;
provider.on('server_error', (ctx, err) => console.error('upstream server_error:', err));

// ---- time inside the provider per back-channel endpoint
const timed = { token: '/token', userinfo: '/me', jwks: '/jwks', discovery: '/.well-known/openid-configuration' };
const byPath = new Map(Object.entries(timed).map(([k, p]) => [p, k]));
const newStats = () => Object.fromEntries(Object.keys(timed).map((k) => [k, { count: 0, ms: 0, errors: 0 }]));
let stats = newStats();
provider.use(async (ctx, next) => {
  const name = byPath.get(ctx.path);
  if (!name) return next();
  const t0 = process.hrtime.bigint();
  try {
    await next();
  } finally {
    const s = stats[name];
    s.count += 1; s.ms += Number(process.hrtime.bigint() - t0) / 1e6;
    if (ctx.status >= 400) s.errors += 1;
  }
  return undefined;
});

// ---- the interaction handler (what a real deployment supplies itself)
async function readForm(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>upstream</title></head><body>${body}</body></html>`;

provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/interaction/')) return next();
  const [, , uid, action] = ctx.path.split('/');
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction uid mismatch');
  const { prompt, params } = details;

  if (ctx.method === 'GET' && action === undefined) {
    if (prompt.name !== 'login') ctx.throw(400, `unsupported prompt ${prompt.name}`);
    ctx.type = 'html';
    ctx.body = page(`<form method="post" action="/interaction/${uid}/login"><input name="login"><input name="password" type="password"><button>Sign in</button></form>`);
    return undefined;
  }
  if (ctx.method === 'POST' && action === 'login') {
    if (prompt.name !== 'login') ctx.throw(400, 'not a login prompt');
    const form = await readForm(ctx.req);
    const login = form.get('login');
    if (!account(login)) {
      ctx.type = 'html'; ctx.status = 401; ctx.body = page('unknown account');
      return undefined;
    }
    // Login and consent in one step: a grant for the asked OIDC scopes.
    const grant = new provider.Grant({ accountId: login, clientId: params.client_id });
    grant.addOIDCScope(String(params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: login }, consent: { grantId } },
      { mergeWithLastSubmission: false });
    ctx.respond = false;
    return undefined;
  }
  ctx.throw(404);
  return undefined;
});

// The same calls timed from the socket's side: from the moment the connection was accepted (the
// first request on a connection; Gatehouse opens one per call) or the request's headers arrived
// (a later request on a kept-alive one) until the response was handed to the kernel. This adds
// the time the request waited for Node's event loop (accept, parsing) to the time above.
const wallStats = () => Object.fromEntries(Object.keys(timed).map((k) => [`${k}_wall`, { count: 0, ms: 0, new_connections: 0 }]));
Object.assign(stats, wallStats());
const callback = provider.callback();
const server = http.createServer((req, res) => {
  const name = byPath.get(req.url.split('?')[0]);
  if (name) {
    const fresh = req.socket.benchAccepted !== undefined && !req.socket.benchUsed;
    const t0 = fresh ? req.socket.benchAccepted : process.hrtime.bigint();
    req.socket.benchUsed = true;
    res.on('finish', () => {
      const s = stats[`${name}_wall`];
      s.count += 1; s.ms += Number(process.hrtime.bigint() - t0) / 1e6; if (fresh) s.new_connections += 1;
    });
  }
  if (req.url === '/_bench' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.url === '/_bench/reset' && req.method === 'POST') {
    stats = { ...newStats(), ...wallStats() };
    res.writeHead(204); res.end();
    return;
  }
  callback(req, res);
});
server.on('connection', (socket) => { socket.benchAccepted = process.hrtime.bigint(); });
server.keepAliveTimeout = 65_000;
server.listen(PORT, HOST, () => {
  console.log(`upstream oidc-provider ${version} on ${ISSUER} (pid ${process.pid}, RS256, NODE_ENV=${process.env.NODE_ENV}, ` +
    `conformIdTokenClaims=${configuration.conformIdTokenClaims}, client ${CLIENT_ID} -> ${CALLBACK})`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(); process.exit(0); });
