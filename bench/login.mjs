// Login benchmarks of Gatehouse (passwordless: email + 6-digit code) against the peer
// (oidc-provider, ../shared/bench/peer/server.js: login + consent), one after the other in one run.
// Node's standard library only; run by bench/run.sh, which starts both servers and Gatehouse with
// `--smtp smtp://127.0.0.1:$SMTP_PORT`: this script serves that port with a minimal SMTP sink that
// keeps the last code sent to each recipient.
//
//   node bench/login.mjs verify|login_roundtrip|login_full [REP]
//
// verify           Gatehouse: N logins prepared untimed (authorize, GET /login, POST /login/email,
//                  code from the sink), then the N POST /login/passwordless/verify timed at
//                  concurrency C; each must answer 302 to the redirect URI with a code.
//                  Peer: N interactions prepared untimed (GET /auth, GET /interaction/:uid), then
//                  the N POST /interaction/:uid/login timed; each must answer 303 /auth/:uid.
//                  Both in batches of BATCH (the peer's in-memory store keeps 1000 entries).
// login_roundtrip  Whole logins at concurrency C, a fresh cookie jar each. Gatehouse: authorize,
//                  GET /login, POST /login/email (the email), GET /login/passwordless, POST verify.
//                  Peer: steps 1-7 of login-flow.mjs (login and consent, up to the code).
// login_full       The same round trips, ending with tokens: the code is exchanged at the token
//                  endpoint and the answer must hold an id_token and an access_token. Gatehouse:
//                  the authorization request carries a PKCE S256 challenge and POST /oauth/token
//                  sends the code_verifier with client_secret_post (GH_SECRET): 6 HTTP requests.
//                  Peer: all 8 steps of login-flow.mjs, step 8 POST /token with client_secret_basic
//                  and no PKCE, as that script does. The first login of each server (in its
//                  warm-up) also checks the ID token's signature against the server's JWKS, its
//                  iss, aud and exp.
//
// Environment: GH, GH_CLIENT, GH_SECRET (login_full), PEER (base URLs, client id), SMTP_PORT, N (2000), C (16),
// WARMUP (200 round trips per server before each measurement), BATCH (250), OUT (directory),
// PERF_CTL (a `perf record --control fifo:PERF_CTL,PERF_CTL.ack -D -1` on Gatehouse: enabled
// during Gatehouse's timed requests only).
// GH_PID, PEER_PID, CLK_TCK: the servers' processes, for the CPU each uses per login (and the
// client's own), measured over the timed requests only.
// Prints a table on stderr, appends details to $OUT/login.tsv and prints one summary.tsv row
// (endpoint rep gh_rps gh_p50 gh_p99 gh_errors peer_rps peer_p50 peer_p99 peer_errors ratio) on stdout.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { Jar, request as httpRequest } from './lib/http.mjs';

const [MODE, REP = '1'] = process.argv.slice(2);
const env = (k, d) => process.env[k] ?? d;
const GH = env('GH'); const GH_CLIENT = env('GH_CLIENT'); const GH_SECRET = env('GH_SECRET'); const PEER = env('PEER');
const SMTP_PORT = Number(env('SMTP_PORT', 0));
const N = Number(env('N', 2000)); const C = Number(env('C', 16));
const WARMUP = Number(env('WARMUP', 200)); const BATCH = Number(env('BATCH', 250));
const OUT = env('OUT', '.');
const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
const AUTH_QS = `response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=openid+profile+email&state=xyz`;
const FULL = MODE === 'login_full';
if (!['verify', 'login_roundtrip', 'login_full'].includes(MODE) || !GH || !GH_CLIENT || !PEER || !SMTP_PORT || (FULL && !GH_SECRET)) {
  console.error('usage: GH=url GH_CLIENT=id [GH_SECRET=secret] PEER=url SMTP_PORT=port node login.mjs verify|login_roundtrip|login_full [REP]');
  process.exit(2);
}
const log = (...a) => console.error(...a);

// perf control: the ack fifo first (perf opens it for writing after the control fifo).
let perf;
if (env('PERF_CTL')) {
  const ack = fs.openSync(`${env('PERF_CTL')}.ack`, 'r');
  perf = { ctl: fs.openSync(env('PERF_CTL'), 'w'), ack };
}
function perfCtl(server, command) {
  if (!perf || server.name !== 'gatehouse') return;
  fs.writeSync(perf.ctl, `${command}\n`);
  fs.readSync(perf.ack, Buffer.alloc(16)); // "ack\n"
}

// ---- SMTP sink: one message at a time per connection; the code of the last message per recipient.
const codes = new Map(); // recipient -> code
function decodeQP(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}
const sink = net.createServer((sock) => {
  let buf = ''; let inData = false; let rcpt = [];
  sock.setEncoding('latin1');
  sock.write('220 bench-sink ESMTP\r\n');
  sock.on('data', (chunk) => {
    buf += chunk;
    for (;;) {
      if (inData) {
        const end = buf.indexOf('\r\n.\r\n');
        if (end < 0) return;
        const text = decodeQP(buf.slice(0, end));
        buf = buf.slice(end + 5); inData = false;
        const m = /Your verification code is: (\d{6})/.exec(text);
        for (const r of rcpt) if (m) codes.set(r, m[1]);
        sock.write(m ? '250 OK\r\n' : '554 no code found\r\n');
        continue;
      }
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl); buf = buf.slice(nl + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') sock.write('250 bench-sink\r\n');
      else if (verb === 'MAIL') { rcpt = []; sock.write('250 OK\r\n'); }
      else if (verb === 'RCPT') { rcpt.push((/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase()); sock.write('250 OK\r\n'); }
      else if (verb === 'DATA') { inData = true; sock.write('354 go ahead\r\n'); }
      else if (verb === 'QUIT') { sock.end('221 bye\r\n'); return; }
      else if (verb === 'RSET' || verb === 'NOOP') { rcpt = []; sock.write('250 OK\r\n'); }
      else sock.write('502 not implemented\r\n');
    }
  });
  sock.on('error', () => {});
});
await new Promise((res, rej) => { sink.once('error', rej); sink.listen(SMTP_PORT, '127.0.0.1', res); });

// ---- HTTP client with cookie jars (as login-flow.mjs)
const agent = new http.Agent({ keepAlive: true, maxSockets: C });
const request = (method, url, headers, body) => httpRequest(agent, method, url, headers, body);
async function step(base, jar, method, url, expect, form, headers = {}) {
  const u = new URL(url, base);
  const h = { ...headers };
  const cookie = jar.header(u.pathname);
  if (cookie) h.cookie = cookie;
  let body;
  if (form) { body = new URLSearchParams(form).toString(); h['content-type'] = 'application/x-www-form-urlencoded'; h['content-length'] = Buffer.byteLength(body); }
  const res = await request(method, u, h, body);
  jar.store(res.headers['set-cookie']);
  if (res.status !== expect) throw new Error(`${method} ${u.pathname} -> ${res.status} (expected ${expect}): ${res.body.slice(0, 200)}`);
  return res;
}
const PEER_BASIC = `Basic ${Buffer.from('bench:bench-secret-0123456789abcdef').toString('base64')}`; // server.js's client
const field = (html, name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
function checkCallback(location) {
  const cb = new URL(location);
  if (cb.origin + cb.pathname !== REDIRECT_URI || cb.searchParams.get('state') !== 'xyz' || !cb.searchParams.get('code')) {
    throw new Error(`bad callback ${location}`);
  }
  return cb.searchParams.get('code');
}
// The token endpoint's answer: a 200 (checked by step) whose JSON holds both tokens.
function checkTokens(res) {
  const tok = JSON.parse(res.body);
  if (!tok.access_token || !tok.id_token) throw new Error(`no access_token and id_token in ${res.body.slice(0, 200)}`);
  return tok;
}
// Checks a JWT's signature against the server's JWKS (node:crypto), its iss, aud and exp.
async function checkIdToken(base, jwksPath, issuer, audience, jwt) {
  const [h, p, sig] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url')); const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const jwks = JSON.parse((await request('GET', new URL(jwksPath, base), {})).body);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`id_token kid ${header.kid} not in ${jwksPath}`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const ok = header.alg === 'RS256' ? crypto.verify('sha256', data, key, Buffer.from(sig, 'base64url'))
    : header.alg === 'ES256' ? crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))
      : false;
  const aud = [].concat(claims.aud);
  if (!ok || claims.iss !== issuer || !aud.includes(audience) || !(claims.exp > Date.now() / 1000)) {
    throw new Error(`id_token does not verify: ${JSON.stringify(header)} ${JSON.stringify(claims)} signature ${ok}`);
  }
  log(`  ${base}: id_token verified ${JSON.stringify(header)} ${JSON.stringify(claims)}`);
}
// PKCE (RFC 7636): a verifier and its S256 challenge.
function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

// ---- the two servers' steps. prepare() -> state, finish(state) is the timed request.
const email = (slot) => `bench-${slot}@example.com`; // one address per worker slot: returning users
const gatehouse = {
  name: 'gatehouse', requestsPerLogin: FULL ? 6 : 5, verified: false,
  async prepare(slot, { show = false, challenge } = {}) {
    const jar = new Jar();
    const pk = challenge ? `&code_challenge=${challenge}&code_challenge_method=S256` : '';
    let r = await step(GH, jar, 'GET', `/oauth/authorize?client_id=${GH_CLIENT}&${AUTH_QS}${pk}`, 302);
    r = await step(GH, jar, 'GET', r.headers.location, 200);
    const tx = field(r.body, 'tx'); const csrf = field(r.body, 'csrf');
    if (!tx || !csrf) throw new Error('no login form');
    codes.delete(email(slot));
    r = await step(GH, jar, 'POST', '/login/email', 303, { tx, csrf, email: email(slot) });
    const next = r.headers.location;
    const code = codes.get(email(slot));
    if (!code) throw new Error(`no email with a code for ${email(slot)}`);
    let tx2 = new URL(next, GH).searchParams.get('tx'); let csrf2 = csrf;
    if (show) {
      r = await step(GH, jar, 'GET', next, 200);
      tx2 = field(r.body, 'tx'); csrf2 = field(r.body, 'csrf');
    }
    return { jar, form: { tx: tx2, csrf: csrf2, code } };
  },
  async finish({ jar, form }) {
    const r = await step(GH, jar, 'POST', '/login/passwordless/verify', 302, form);
    return checkCallback(r.headers.location);
  },
  async roundtrip(slot) {
    if (!FULL) { await this.finish(await this.prepare(slot, { show: true })); return; }
    const { verifier, challenge } = pkce();
    const s = await this.prepare(slot, { show: true, challenge });
    const code = await this.finish(s);
    const r = await step(GH, s.jar, 'POST', '/oauth/token', 200, {
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
      client_id: GH_CLIENT, client_secret: GH_SECRET,
    });
    const tok = checkTokens(r);
    if (!this.verified) { this.verified = true; await checkIdToken(GH, '/keys', GH, GH_CLIENT, tok.id_token); }
  },
};
const peer = {
  name: 'peer', requestsPerLogin: FULL ? 8 : 7, verified: false,
  async prepare() {
    const jar = new Jar();
    let r = await step(PEER, jar, 'GET', `/auth?client_id=bench&${AUTH_QS}`, 303);
    const loc = r.headers.location;
    r = await step(PEER, jar, 'GET', loc, 200);
    if (!r.body.includes('/login"')) throw new Error('no login form');
    return { jar, path: `${new URL(loc, PEER).pathname}/login` };
  },
  async finish({ jar, path }) {
    const r = await step(PEER, jar, 'POST', path, 303, { login: 'alice', password: 'pw' });
    if (!/\/auth\//.test(r.headers.location)) throw new Error(`bad login answer ${r.headers.location}`);
    return r;
  },
  async roundtrip() {
    const s = await this.prepare();
    const jar = s.jar;
    let r = await this.finish(s);
    r = await step(PEER, jar, 'GET', r.headers.location, 303);
    const loc = r.headers.location;
    r = await step(PEER, jar, 'GET', loc, 200);
    if (!r.body.includes('/confirm"')) throw new Error('no consent form');
    r = await step(PEER, jar, 'POST', `${new URL(loc, PEER).pathname}/confirm`, 303, { ok: '1' });
    r = await step(PEER, jar, 'GET', r.headers.location, 303);
    const code = checkCallback(r.headers.location);
    if (!FULL) return;
    // step 8 of login-flow.mjs: client_secret_basic, no PKCE
    r = await step(PEER, jar, 'POST', '/token', 200, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
      { authorization: PEER_BASIC });
    const tok = checkTokens(r);
    if (!this.verified) { this.verified = true; await checkIdToken(PEER, '/jwks', PEER, 'bench', tok.id_token); }
  },
};

// Runs task(i, slot) for i in [0, n) on C workers; worker w is slot w. Returns latencies (ms) of
// the successful ones, the error count and the wall time (s).
async function pool(n, task, { timed = true } = {}) {
  const lat = []; let errors = 0; let next = 0; let firstError;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(C, n) }, async (_, slot) => {
    while (next < n) {
      const i = next++;
      const s = process.hrtime.bigint();
      try { await task(i, slot); if (timed) lat.push(Number(process.hrtime.bigint() - s) / 1e6); } catch (e) { errors += 1; firstError ??= e; }
    }
  }));
  if (firstError) log(`  ${errors} error(s), first: ${firstError.message}`);
  return { lat, errors, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
}

// CPU used during the timed requests: the server process's (from /proc/PID/stat, all its threads;
// GH_PID and PEER_PID, CLK_TCK ticks per second) and this client's own (process.cpuUsage(): the
// HTTP client, and for Gatehouse also the SMTP sink), in ms.
const CLK_TCK = Number(env('CLK_TCK', 100));
function cpuNow(server) {
  const pid = env(server.name === 'gatehouse' ? 'GH_PID' : 'PEER_PID');
  let srv = NaN;
  if (pid) {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state): utime is 14, stime 15
    srv = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  }
  const c = process.cpuUsage();
  return { srv, cli: (c.user + c.system) / 1000 };
}
function cpuAdd(acc, a, b) { acc.srv += b.srv - a.srv; acc.cli += b.cli - a.cli; }

async function measure(server) {
  // Warm-up (and, on the first call, the C users of Gatehouse are created here).
  const w = await pool(Math.max(WARMUP, C), (i, slot) => server.roundtrip(slot), { timed: false });
  if (w.errors) throw new Error('warm-up failed');
  if (MODE !== 'verify') {
    perfCtl(server, 'enable');
    const c0 = cpuNow(server);
    const r = await pool(N, (i, slot) => server.roundtrip(slot));
    const c1 = cpuNow(server);
    perfCtl(server, 'disable');
    r.cpu = { srv: 0, cli: 0 }; cpuAdd(r.cpu, c0, c1);
    return r;
  }
  const all = { lat: [], errors: 0, secs: 0, cpu: { srv: 0, cli: 0 } };
  for (let done = 0; done < N; done += BATCH) {
    const n = Math.min(BATCH, N - done);
    const states = new Array(n);
    const p = await pool(n, async (i, slot) => { states[i] = await server.prepare(slot); }, { timed: false });
    if (p.errors) throw new Error('preparing the logins failed');
    perfCtl(server, 'enable');
    const c0 = cpuNow(server);
    const t = await pool(n, (i) => server.finish(states[i]));
    cpuAdd(all.cpu, c0, cpuNow(server));
    perfCtl(server, 'disable');
    all.lat.push(...t.lat); all.errors += t.errors; all.secs += t.secs;
  }
  return all;
}

function summarize(r) {
  const lat = [...r.lat].sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : 0);
  return { rate: N / r.secs, p50: pct(50), p99: pct(99), errors: r.errors, secs: r.secs,
    srvMs: r.cpu.srv / N, cliMs: r.cpu.cli / N, srvCores: r.cpu.srv / 1000 / r.secs, cliCores: r.cpu.cli / 1000 / r.secs };
}

// A server that fails (e.g. an endpoint missing from the binary) is reported with N errors and
// rate 0; the other one is still measured.
const results = {};
for (const server of [gatehouse, peer]) {
  try {
    results[server.name] = summarize(await measure(server));
  } catch (e) {
    log(`${server.name}: ${e.message}`);
    results[server.name] = { rate: 0, p50: 0, p99: 0, errors: N, secs: 0, srvMs: NaN, cliMs: NaN, srvCores: NaN, cliCores: NaN };
  }
}
const g = results.gatehouse; const p = results.peer;
const ratio = p.rate > 0 ? g.rate / p.rate : 0;
const unit = MODE === 'verify' ? 'verifications/s' : 'logins/s';
log(`${MODE} rep ${REP}: N=${N} C=${C} batch=${MODE === 'verify' ? BATCH : '-'}`);
log(`  ${'server'.padEnd(10)} ${unit.padStart(16)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'seconds'.padStart(8)}  CPU ms per login (cores): server, client`);
for (const [name, r] of Object.entries(results)) {
  log(`  ${name.padEnd(10)} ${r.rate.toFixed(0).padStart(16)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(7)} ${r.secs.toFixed(2).padStart(8)}  ${r.srvMs.toFixed(2)} (${r.srvCores.toFixed(2)}), ${r.cliMs.toFixed(2)} (${r.cliCores.toFixed(2)})`);
}
log(`  ratio ${ratio.toFixed(1)}x`);

const tsv = `${OUT}/login.tsv`;
if (!fs.existsSync(tsv)) fs.writeFileSync(tsv, 'endpoint\trep\tserver\tn\tconcurrency\tbatch\tseconds\tper_s\tp50_ms\tp99_ms\terrors\thttp_requests_per_login\tserver_cpu_ms_per_login\tclient_cpu_ms_per_login\n');
for (const s of [gatehouse, peer]) {
  const r = results[s.name];
  fs.appendFileSync(tsv, [MODE, REP, s.name, N, C, MODE === 'verify' ? BATCH : '', r.secs.toFixed(3), r.rate.toFixed(1), r.p50.toFixed(2),
    r.p99.toFixed(2), r.errors, MODE === 'verify' ? 1 : s.requestsPerLogin, r.srvMs.toFixed(2), r.cliMs.toFixed(2)].join('\t') + '\n');
}
console.log([MODE, REP, g.rate.toFixed(0), g.p50.toFixed(2), g.p99.toFixed(2), g.errors,
  p.rate.toFixed(0), p.p50.toFixed(2), p.p99.toFixed(2), p.errors, ratio.toFixed(1)].join('\t'));
agent.destroy();
sink.close();
process.exit(g.errors + p.errors > 0 ? 1 : 0);
