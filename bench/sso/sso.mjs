// Load generator for bench/sso.sh: whole enterprise-SSO logins through Gatehouse with an OIDC
// upstream (bench/sso/upstream.mjs, oidc-provider), the browser's part followed by hand, as in
// tests/browser/sso_failures.test.mjs. Node's standard library only.
//
//   GH=url GH_CLIENT=id GH_SECRET=s CONN=conn_... UPSTREAM=url node bench/sso/sso.mjs [REP]
//
// Each virtual login has a fresh cookie jar for Gatehouse and one for the upstream, and makes
// 9 HTTP requests:
//   1 GET  GH /oauth/authorize?...connection_id=CONN (PKCE S256, nonce)   302 /login/connection
//   2 GET  GH /login/connection?tx=...                                    200 (meta refresh)
//   3 GET  GH /login/sso?tx=... (the meta refresh's target)               302 to the upstream (gh_csrf)
//   4 GET  UP /auth?...                                                   303 /interaction/:uid
//   5 GET  UP /interaction/:uid                                           200 (login page)
//   6 POST UP /interaction/:uid/login  login=user-<slot>                  303 /auth/:uid
//   7 GET  UP /auth/:uid (resume)                                         303 GH /sso/oidc/callback
//   8 GET  GH /sso/oidc/callback?code=...&state=... (with gh_csrf)        302 to the app with a code
//      (inside: Gatehouse's back-channel calls to the upstream: token, userinfo when the ID token
//      has no email, JWKS and discovery only the first time: they are cached)
//   9 POST GH /oauth/token (authorization_code, client_secret_post, code_verifier)  200 id_token + access_token
// Groups: Gatehouse's own steps 1,2,3,9; the upstream's 4-7; the callback 8 apart.
// The first login (in the warm-up) also checks the ID token: signature against GH /keys, iss,
// aud, exp, amr[0] = CONN, the upstream account's email.
//
// Environment: N (2000 timed logins), C (16 at once), WARMUP (200 logins first, untimed), OUT (.),
// GH_PID, UP_PID, CLK_TCK: CPU seconds per login of Gatehouse, the upstream and this process over
// the timed part only (/proc/PID/stat utime+stime; process.cpuUsage()).
// Output: a table on stderr, $OUT/sso-REP.json (everything), $OUT/sso-steps.tsv (per step, appended),
// one summary.tsv row on stdout. Exit status 1 when any login failed.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Jar, request as httpRequest } from '../lib/http.mjs';

const REP = process.argv[2] ?? '1';
const env = (k, d) => process.env[k] ?? d;
const GH = env('GH'); const GH_CLIENT = env('GH_CLIENT'); const GH_SECRET = env('GH_SECRET');
const CONN = env('CONN'); const UPSTREAM = env('UPSTREAM');
const N = Number(env('N', 2000)); const C = Number(env('C', 16)); const WARMUP = Number(env('WARMUP', 200));
const OUT = env('OUT', '.'); const CLK_TCK = Number(env('CLK_TCK', 100));
const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
if (!GH || !GH_CLIENT || !GH_SECRET || !CONN || !UPSTREAM) {
  console.error('usage: GH=url GH_CLIENT=id GH_SECRET=secret CONN=conn_id UPSTREAM=url node sso.mjs [REP]');
  process.exit(2);
}
const log = (...a) => console.error(...a);
const GH_ORIGIN = new URL(GH).origin; const UP_ORIGIN = new URL(UPSTREAM).origin;

// ---- HTTP with keep-alive agents (one per server) and cookie jars
const agents = new Map([[GH_ORIGIN, new http.Agent({ keepAlive: true, maxSockets: C })],
  [UP_ORIGIN, new http.Agent({ keepAlive: true, maxSockets: C })]]);
const request = (method, url, headers, body) => httpRequest(agents.get(url.origin), method, url, headers, body);

// Steps: name, group. lat[i] collects the latencies (ms) of step i of the timed logins.
const STEPS = [
  ['1 GH authorize', 'gh'], ['2 GH /login/connection', 'gh'], ['3 GH /login/sso', 'gh'],
  ['4 UP /auth', 'up'], ['5 UP /interaction/:uid', 'up'], ['6 UP POST login', 'up'], ['7 UP /auth/:uid resume', 'up'],
  ['8 GH /sso/oidc/callback', 'cb'], ['9 GH POST /oauth/token', 'gh'],
];
const GROUPS = { gh: 'Gatehouse steps 1,2,3,9', up: 'upstream steps 4-7', cb: 'callback step 8' };

// One request; checks the status. `t` (array) gets the latency of this step when given.
async function step(jar, method, url, expect, { form, headers = {}, t, i } = {}) {
  const u = new URL(url);
  const h = { ...headers };
  const cookie = jar.header(u.pathname);
  if (cookie) h.cookie = cookie;
  let body;
  if (form) { body = new URLSearchParams(form).toString(); h['content-type'] = 'application/x-www-form-urlencoded'; h['content-length'] = Buffer.byteLength(body); }
  const s = process.hrtime.bigint();
  const res = await request(method, u, h, body);
  if (t) t[i] = Number(process.hrtime.bigint() - s) / 1e6;
  jar.store(res.headers['set-cookie']);
  if (res.status !== expect) {
    throw new Error(`step ${i + 1} ${method} ${u.pathname} -> ${res.status} (expected ${expect}): ${(res.headers.location ?? res.body).slice(0, 300)}`);
  }
  return res;
}
const loc = (res, base) => new URL(res.headers.location, base).href;
const unescapeHtml = (s) => s.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#x3D;/gi, '=').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

let checked = false;
async function checkIdToken(jwt, account) {
  const [h, p, sig] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url')); const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const jwks = JSON.parse((await request('GET', new URL('/keys', GH), {})).body);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`id_token kid ${header.kid} not in /keys`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const ok = header.alg === 'RS256' ? crypto.verify('sha256', data, key, Buffer.from(sig, 'base64url'))
    : header.alg === 'ES256' ? crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')) : false;
  const aud = [].concat(claims.aud);
  const problems = [];
  if (!ok) problems.push('signature');
  if (claims.iss !== GH) problems.push(`iss ${claims.iss}`);
  if (!aud.includes(GH_CLIENT)) problems.push(`aud ${claims.aud}`);
  if (!(claims.exp > Date.now() / 1000)) problems.push('exp');
  if (!Array.isArray(claims.amr) || claims.amr[0] !== CONN) problems.push(`amr ${JSON.stringify(claims.amr)}`);
  if (claims.email !== `${account}@upstream.test`) problems.push(`email ${claims.email}`);
  if (claims.nonce !== 'n-bench') problems.push(`nonce ${claims.nonce}`);
  if (problems.length) throw new Error(`id_token: ${problems.join(', ')}: ${JSON.stringify(header)} ${JSON.stringify(claims)}`);
  log(`  first login's id_token verified: ${JSON.stringify(header)} ${JSON.stringify(claims)}`);
  return claims;
}

// One whole login; fills t[0..8] with the steps' latencies.
async function login(slot, t) {
  const gh = new Jar(); const up = new Jar();
  const account = `user-${slot}`;
  const { verifier, challenge } = pkce();
  const state = crypto.randomBytes(9).toString('base64url');
  const q = new URLSearchParams({ response_type: 'code', client_id: GH_CLIENT, redirect_uri: REDIRECT_URI,
    scope: 'openid profile email', state, nonce: 'n-bench', connection_id: CONN,
    code_challenge: challenge, code_challenge_method: 'S256' });
  // 1-3 Gatehouse: authorize, the connection step, its meta refresh target
  let r = await step(gh, 'GET', `${GH}/oauth/authorize?${q}`, 302, { t, i: 0 });
  const stepUrl = loc(r, GH);
  if (new URL(stepUrl).pathname !== '/login/connection') throw new Error(`authorize went to ${stepUrl}`);
  r = await step(gh, 'GET', stepUrl, 200, { t, i: 1 });
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]*)"/.exec(r.body)?.[1];
  if (!refresh) throw new Error('no meta refresh on /login/connection');
  r = await step(gh, 'GET', new URL(unescapeHtml(refresh), GH).href, 302, { t, i: 2 });
  const toIdp = loc(r, GH);
  if (!toIdp.startsWith(`${UP_ORIGIN}/auth?`)) throw new Error(`/login/sso went to ${toIdp}`);
  if (!gh.names().includes('gh_csrf')) throw new Error(`no gh_csrf cookie (cookies: ${gh.names()})`);
  // 4-7 the upstream: authorize, login page, login, resume
  r = await step(up, 'GET', toIdp, 303, { t, i: 3 });
  const interaction = loc(r, UPSTREAM);
  r = await step(up, 'GET', interaction, 200, { t, i: 4 });
  if (!r.body.includes('/login"')) throw new Error('no login form at the upstream');
  r = await step(up, 'POST', `${interaction}/login`, 303, { form: { login: account, password: 'pw' }, t, i: 5 });
  r = await step(up, 'GET', loc(r, UPSTREAM), 303, { t, i: 6 });
  const callback = loc(r, UPSTREAM);
  if (!callback.startsWith(`${GH}/sso/oidc/callback?`)) throw new Error(`the upstream went to ${callback.slice(0, 300)}`);
  // 8 the callback (Gatehouse -> upstream token endpoint)
  r = await step(gh, 'GET', callback, 302, { t, i: 7 });
  const back = new URL(r.headers.location);
  if (back.origin + back.pathname !== REDIRECT_URI || back.searchParams.get('state') !== state || !back.searchParams.get('code')) {
    throw new Error(`bad answer to the application: ${back.href.slice(0, 300)}`);
  }
  // 9 the code exchange
  r = await step(gh, 'POST', `${GH}/oauth/token`, 200, { t, i: 8, form: {
    grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: REDIRECT_URI,
    code_verifier: verifier, client_id: GH_CLIENT, client_secret: GH_SECRET } });
  const tok = JSON.parse(r.body);
  if (!tok.access_token || !tok.id_token) throw new Error(`no access_token and id_token in ${r.body.slice(0, 200)}`);
  if (!checked) { checked = true; await checkIdToken(tok.id_token, account); }
}

// n logins on C workers (worker w signs in as user-w). Timed: per-login step latencies.
async function pool(n) {
  const rows = []; let errors = 0; let next = 0; const firstErrors = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(C, n) }, async (_, slot) => {
    while (next < n) {
      next += 1;
      const t = new Array(STEPS.length).fill(NaN);
      const s = process.hrtime.bigint();
      try {
        await login(slot, t);
        rows.push({ t, total: Number(process.hrtime.bigint() - s) / 1e6 });
      } catch (e) {
        errors += 1;
        if (firstErrors.length < 5) firstErrors.push(e.message);
      }
    }
  }));
  return { rows, errors, firstErrors, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function procCpuMs(pid) {
  if (!pid) return NaN;
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // f[0] is field 3: utime is field 14, stime 15
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch { return NaN; }
}
function cpuNow() {
  const c = process.cpuUsage();
  return { gh: procCpuMs(env('GH_PID')), up: procCpuMs(env('UP_PID')), cli: (c.user + c.system) / 1000 };
}
async function upstreamStats(method = 'GET', p = '/_bench') {
  try {
    const r = await request(method, new URL(p, UPSTREAM), {});
    return r.status === 200 ? JSON.parse(r.body) : null;
  } catch { return null; }
}
// Gatehouse's own histogram of a route from /metrics, if it publishes one: sum and count.
async function ghRouteMetrics() {
  try {
    const r = await request('GET', new URL('/metrics', GH), {});
    return r.status === 200 ? r.body : '';
  } catch { return ''; }
}
function metricSums(text) {
  // lines like name_sum{route="/sso/oidc/callback",...} 1.23 / name_count{...} 45
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(sum|count)\{([^}]*)\}\s+([0-9.eE+-]+)$/.exec(line);
    if (!m) continue;
    const route = /(?:route|path)="([^"]*)"/.exec(m[3])?.[1];
    if (!route) continue;
    const key = `${m[1]} ${route}`;
    out[key] ??= { sum: 0, count: 0 };
    out[key][m[2]] += Number(m[4]);
  }
  return out;
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const stats = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1), n: s.length };
};
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'nan');

// ---- warm-up, then the timed part
log(`sso rep ${REP}: N=${N} C=${C} warmup=${WARMUP}; Gatehouse ${GH}, connection ${CONN}; upstream ${UPSTREAM}`);
const w = await pool(Math.max(WARMUP, C, 1));
if (w.errors) {
  log(`  warm-up: ${w.errors} of ${Math.max(WARMUP, C, 1)} logins failed; first: ${w.firstErrors.join(' | ')}`);
  if (w.rows.length === 0) process.exit(1);
}
await upstreamStats('POST', '/_bench/reset');
const m0 = metricSums(await ghRouteMetrics());
const c0 = cpuNow();
const r = await pool(N);
const c1 = cpuNow();
const m1 = metricSums(await ghRouteMetrics());
const upBench = await upstreamStats();
if (r.errors) log(`  ${r.errors} error(s); first: ${r.firstErrors.join(' | ')}`);

const ok = r.rows.length;
const perStep = STEPS.map(([name, group], i) => ({ name, group, ...stats(r.rows.map((x) => x.t[i])) }));
const groupSum = (g) => r.rows.map((x) => x.t.reduce((a, v, i) => a + (STEPS[i][1] === g ? v : 0), 0));
const groups = Object.fromEntries(Object.keys(GROUPS).map((g) => [g, stats(groupSum(g))]));
const total = stats(r.rows.map((x) => x.total));
const cpu = { gh: (c1.gh - c0.gh) / N, up: (c1.up - c0.up) / N, cli: (c1.cli - c0.cli) / N };
const cores = { gh: (c1.gh - c0.gh) / 1000 / r.secs, up: (c1.up - c0.up) / 1000 / r.secs, cli: (c1.cli - c0.cli) / 1000 / r.secs };
// Time inside oidc-provider for Gatehouse's back-channel calls, per login.
const upTok = upBench ? upBench.token.ms / N : NaN;
const upInfo = upBench ? upBench.userinfo.ms / N : NaN;
const upJwks = upBench ? upBench.jwks.ms / N : NaN;
const upDisc = upBench ? upBench.discovery.ms / N : NaN;
const perLogin = (k) => (upBench?.[k] ? upBench[k].ms / N : NaN);
// The same from the upstream's sockets: accept (or headers) to the response handed to the kernel.
const wall = { token: perLogin('token_wall'), userinfo: perLogin('userinfo_wall'), jwks: perLogin('jwks_wall'), discovery: perLogin('discovery_wall') };
const backchannelInside = upTok + upInfo + upJwks + upDisc;
const backchannel = Number.isFinite(wall.token) ? wall.token + wall.userinfo + wall.jwks + wall.discovery : backchannelInside;
// Gatehouse's server-side view (its /metrics latency histograms), when available.
const serverSide = {};
for (const [k, v] of Object.entries(m1)) {
  const d = { sum: v.sum - (m0[k]?.sum ?? 0), count: v.count - (m0[k]?.count ?? 0) };
  if (d.count > 0) serverSide[k] = { count: d.count, mean: d.sum / d.count };
}
const rate = N / r.secs;

log(`  ${ok} logins ok, ${r.errors} errors, ${r.secs.toFixed(2)} s timed: ${rate.toFixed(1)} logins/s; whole login p50 ${f2(total.p50)} p99 ${f2(total.p99)} ms`);
log(`  ${'step'.padEnd(28)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'mean ms'.padStart(8)}`);
for (const s of perStep) log(`  ${s.name.padEnd(28)} ${f2(s.p50).padStart(8)} ${f2(s.p99).padStart(8)} ${f2(s.mean).padStart(8)}`);
log('  per login, summed over the group\'s steps:');
for (const [g, label] of Object.entries(GROUPS)) log(`  ${label.padEnd(28)} ${f2(groups[g].p50).padStart(8)} ${f2(groups[g].p99).padStart(8)} ${f2(groups[g].mean).padStart(8)}`);
log(`  CPU ms per login (cores): Gatehouse ${f2(cpu.gh)} (${f2(cores.gh)}), upstream ${f2(cpu.up)} (${f2(cores.up)}), load generator ${f2(cpu.cli)} (${f2(cores.cli)})`);
if (upBench) {
  log(`  inside the upstream per login (ms): token ${f2(upTok)} (${upBench.token.count} calls, ${upBench.token.errors} errors), userinfo ${f2(upInfo)} (${upBench.userinfo.count}), ` +
    `jwks ${f2(upJwks)} (${upBench.jwks.count}), discovery ${f2(upDisc)} (${upBench.discovery.count})`);
  log(`  the same from the upstream's sockets (accept to response sent), per login (ms): token ${f2(wall.token)}, userinfo ${f2(wall.userinfo)}, ` +
    `jwks ${f2(wall.jwks)}, discovery ${f2(wall.discovery)} (new connections: token ${upBench.token_wall?.new_connections}, userinfo ${upBench.userinfo_wall?.new_connections})`);
  log(`  callback mean minus the upstream's back-channel time (socket view): ${f2(groups.cb.mean - backchannel)} ms`);
}
for (const [k, v] of Object.entries(serverSide)) if (/sso|oauth|login/.test(k)) log(`  gatehouse /metrics ${k}: ${v.count} requests, mean ${f2(v.mean)}`);

const result = { rep: REP, n: N, c: C, warmup: WARMUP, seconds: r.secs, logins_per_s: rate, ok, errors: r.errors, first_errors: r.firstErrors,
  warmup_errors: w.errors, login: total, steps: perStep, groups, cpu_ms_per_login: cpu, cores, upstream_inside: upBench,
  upstream_backchannel_ms_per_login: { token: upTok, userinfo: upInfo, jwks: upJwks, discovery: upDisc, total: backchannelInside },
  upstream_backchannel_socket_ms_per_login: { ...wall, total: backchannel },
  callback_minus_upstream_ms: groups.cb.mean - backchannel, gatehouse_metrics: serverSide };
fs.writeFileSync(`${OUT}/sso-${REP}.json`, `${JSON.stringify(result, null, 1)}\n`);
const stepsTsv = `${OUT}/sso-steps.tsv`;
if (!fs.existsSync(stepsTsv)) fs.writeFileSync(stepsTsv, 'rep\tstep\tgroup\tp50_ms\tp99_ms\tmean_ms\tn\n');
for (const s of perStep) fs.appendFileSync(stepsTsv, [REP, s.name, s.group, f2(s.p50), f2(s.p99), f2(s.mean), s.n].join('\t') + '\n');
console.log([REP, N, C, r.secs.toFixed(2), rate.toFixed(1), r.errors,
  f2(groups.gh.p50), f2(groups.gh.p99), f2(groups.up.p50), f2(groups.up.p99), f2(groups.cb.p50), f2(groups.cb.p99), f2(total.p50), f2(total.p99),
  f2(groups.gh.mean), f2(groups.up.mean), f2(groups.cb.mean), f2(upTok + upInfo), f2(backchannel), f2(groups.cb.mean - backchannel),
  f2(cpu.gh), f2(cpu.up), f2(cpu.cli)].join('\t'));
for (const a of agents.values()) a.destroy();
process.exit(r.errors > 0 ? 1 : 0);
