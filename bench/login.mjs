// Login benchmarks of Gatehouse (passwordless: email + 6-digit code) against the peer
// (oidc-provider, ../shared/bench/peer/server.js: login + consent), one after the other in one run.
// Node's standard library only; run by bench/run.sh, which starts both servers and Gatehouse with
// `--smtp smtp://127.0.0.1:$SMTP_PORT`: this script serves that port with a minimal SMTP sink that
// keeps the last code sent to each recipient.
//
//   node bench/login.mjs verify|login_roundtrip [REP]
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
//
// Environment: GH, GH_CLIENT, PEER (base URLs, client id), SMTP_PORT, N (2000), C (16),
// WARMUP (200 round trips per server before each measurement), BATCH (250), OUT (directory),
// PERF_CTL (a `perf record --control fifo:PERF_CTL,PERF_CTL.ack -D -1` on Gatehouse: enabled
// during Gatehouse's timed requests only).
// Prints a table on stderr, appends details to $OUT/login.tsv and prints one summary.tsv row
// (endpoint rep gh_rps gh_p50 gh_p99 gh_errors peer_rps peer_p50 peer_p99 peer_errors ratio) on stdout.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';

const [MODE, REP = '1'] = process.argv.slice(2);
const env = (k, d) => process.env[k] ?? d;
const GH = env('GH'); const GH_CLIENT = env('GH_CLIENT'); const PEER = env('PEER');
const SMTP_PORT = Number(env('SMTP_PORT', 0));
const N = Number(env('N', 2000)); const C = Number(env('C', 16));
const WARMUP = Number(env('WARMUP', 200)); const BATCH = Number(env('BATCH', 250));
const OUT = env('OUT', '.');
const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
const AUTH_QS = `response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=openid+profile+email&state=xyz`;
if (!['verify', 'login_roundtrip'].includes(MODE) || !GH || !GH_CLIENT || !PEER || !SMTP_PORT) {
  console.error('usage: GH=url GH_CLIENT=id PEER=url SMTP_PORT=port node login.mjs verify|login_roundtrip [REP]');
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
function request(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
class Jar {
  #c = new Map();
  store(setCookie = []) {
    for (const line of setCookie) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i); const value = pair.slice(i + 1);
      let path = '/'; let expired = false;
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired || value === '') this.#c.delete(key); else this.#c.set(key, { name, value, path });
    }
  }
  header(pathname) {
    const out = [];
    for (const { name, value, path } of this.#c.values()) {
      if (path === '/' || pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`)) out.push(`${name}=${value}`);
    }
    return out.join('; ');
  }
}
async function step(base, jar, method, url, expect, form) {
  const u = new URL(url, base);
  const h = {};
  const cookie = jar.header(u.pathname);
  if (cookie) h.cookie = cookie;
  let body;
  if (form) { body = new URLSearchParams(form).toString(); h['content-type'] = 'application/x-www-form-urlencoded'; h['content-length'] = Buffer.byteLength(body); }
  const res = await request(method, u, h, body);
  jar.store(res.headers['set-cookie']);
  if (res.status !== expect) throw new Error(`${method} ${u.pathname} -> ${res.status} (expected ${expect}): ${res.body.slice(0, 200)}`);
  return res;
}
const field = (html, name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
function checkCallback(location) {
  const cb = new URL(location);
  if (cb.origin + cb.pathname !== REDIRECT_URI || cb.searchParams.get('state') !== 'xyz' || !cb.searchParams.get('code')) {
    throw new Error(`bad callback ${location}`);
  }
}

// ---- the two servers' steps. prepare() -> state, finish(state) is the timed request.
const email = (slot) => `bench-${slot}@example.com`; // one address per worker slot: returning users
const gatehouse = {
  name: 'gatehouse', requestsPerLogin: 5,
  async prepare(slot, { show = false } = {}) {
    const jar = new Jar();
    let r = await step(GH, jar, 'GET', `/oauth/authorize?client_id=${GH_CLIENT}&${AUTH_QS}`, 302);
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
    checkCallback(r.headers.location);
  },
  async roundtrip(slot) { await this.finish(await this.prepare(slot, { show: true })); },
};
const peer = {
  name: 'peer', requestsPerLogin: 7,
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
    checkCallback(r.headers.location);
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

async function measure(server) {
  // Warm-up (and, on the first call, the C users of Gatehouse are created here).
  const w = await pool(Math.max(WARMUP, C), (i, slot) => server.roundtrip(slot), { timed: false });
  if (w.errors) throw new Error(`${server.name}: warm-up failed`);
  if (MODE === 'login_roundtrip') {
    perfCtl(server, 'enable');
    const r = await pool(N, (i, slot) => server.roundtrip(slot));
    perfCtl(server, 'disable');
    return r;
  }
  const all = { lat: [], errors: 0, secs: 0 };
  for (let done = 0; done < N; done += BATCH) {
    const n = Math.min(BATCH, N - done);
    const states = new Array(n);
    const p = await pool(n, async (i, slot) => { states[i] = await server.prepare(slot); }, { timed: false });
    if (p.errors) throw new Error(`${server.name}: preparing the logins failed`);
    perfCtl(server, 'enable');
    const t = await pool(n, (i) => server.finish(states[i]));
    perfCtl(server, 'disable');
    all.lat.push(...t.lat); all.errors += t.errors; all.secs += t.secs;
  }
  return all;
}

function summarize(r) {
  const lat = [...r.lat].sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : 0);
  return { rate: N / r.secs, p50: pct(50), p99: pct(99), errors: r.errors, secs: r.secs };
}

const results = {};
for (const server of [gatehouse, peer]) results[server.name] = summarize(await measure(server));
const g = results.gatehouse; const p = results.peer;
const ratio = p.rate > 0 ? g.rate / p.rate : 0;
const unit = MODE === 'verify' ? 'verifications/s' : 'logins/s';
log(`${MODE} rep ${REP}: N=${N} C=${C} batch=${MODE === 'verify' ? BATCH : '-'}`);
log(`  ${'server'.padEnd(10)} ${unit.padStart(16)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'seconds'.padStart(8)}`);
for (const [name, r] of Object.entries(results)) {
  log(`  ${name.padEnd(10)} ${r.rate.toFixed(0).padStart(16)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(7)} ${r.secs.toFixed(2).padStart(8)}`);
}
log(`  ratio ${ratio.toFixed(1)}x`);

const tsv = `${OUT}/login.tsv`;
if (!fs.existsSync(tsv)) fs.writeFileSync(tsv, 'endpoint\trep\tserver\tn\tconcurrency\tbatch\tseconds\tper_s\tp50_ms\tp99_ms\terrors\thttp_requests_per_login\n');
for (const s of [gatehouse, peer]) {
  const r = results[s.name];
  fs.appendFileSync(tsv, [MODE, REP, s.name, N, C, MODE === 'verify' ? BATCH : '', r.secs.toFixed(3), r.rate.toFixed(1), r.p50.toFixed(2),
    r.p99.toFixed(2), r.errors, MODE === 'verify' ? 1 : s.requestsPerLogin].join('\t') + '\n');
}
console.log([MODE, REP, g.rate.toFixed(0), g.p50.toFixed(2), g.p99.toFixed(2), g.errors,
  p.rate.toFixed(0), p.p50.toFixed(2), p.p99.toFixed(2), p.errors, ratio.toFixed(1)].join('\t'));
agent.destroy();
sink.close();
process.exit(g.errors + p.errors > 0 ? 1 : 0);
