// Upstream failures through the whole server (no browser needed: the test follows the redirects
// itself, carrying Gatehouse's cookie): a programmable OIDC IdP (tests/support/oidc_idp.py) that
// signs badly, returns garbage or never answers. Each failure reaches the application as the
// documented error code with its state; an IdP that hangs delays only its own login, and only
// for --upstream-timeout, while another login completes meanwhile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ROOT, firstLine, freePort, gatehouse, scratchDirs, startReceiver, startServerAt, stop, teardown, track,
} from './support.mjs';

const IDP = path.join(ROOT, 'tests/support/oidc_idp.py');
const SECRET = 'upstream-secret';

async function startIdp() {
  const proc = track(spawn('/usr/bin/python3', [IDP, '--client-id', 'gh', '--client-secret', SECRET],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c) => log.push(c));
  const port = await firstLine(proc, proc.stdout, (e) => e.port ?? null, 'oidc idp', log);
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    control: (knobs) => fetch(`${origin}/_control`, { method: 'POST', body: JSON.stringify(knobs) }),
    close: () => stop(proc),
  };
}

describe('upstream failures come back to the application as documented errors', () => {
  const ctx = {};
  let base;
  let clientId;
  let redirectUri;

  before(async () => {
    ctx.dir = mkdtempSync(path.join(tmpdir(), 'gh-sso-fail-'));
    scratchDirs.add(ctx.dir);
    const data = path.join(ctx.dir, 'data');
    gatehouse('init', '--data', data, '--issuer', 'http://127.0.0.1:8080');
    ctx.bad = await startIdp();
    ctx.good = await startIdp();
    const secretFile = path.join(ctx.dir, 'secret');
    writeFileSync(secretFile, SECRET);
    const org = gatehouse('org', 'create', '--data', data, '--name', 'Initech').id;
    const create = (idp, name) => gatehouse('connection', 'create', '--data', data, '--type', 'oidc', '--org', org,
      '--name', name, '--settings', JSON.stringify({ issuer: idp.origin, client_id: 'gh' }),
      '--client-secret-file', secretFile).id;
    ctx.badConn = create(ctx.bad, 'Flaky IdP');
    ctx.goodConn = create(ctx.good, 'Good IdP');
    ctx.receiver = await startReceiver();
    redirectUri = `${ctx.receiver.origin}/cb`;
    clientId = gatehouse('client', 'create', '--data', data, '--name', 'App', '--redirect-uri', redirectUri).client_id;
    ctx.server = await startServerAt(data, await freePort(), '--upstream-timeout', '6s');
    base = ctx.server.envUrl;
  });

  after(async () => {
    await teardown({ server: ctx.server, listeners: [ctx.bad, ctx.good, ctx.receiver], dir: ctx.dir });
  });

  // The browser's part, by hand: authorize -> connection step -> /login/sso (the cookie) -> the
  // IdP -> Gatehouse's callback. Resolves with the callback's answer as a URL (the redirect to
  // the application) and the state sent.
  async function login(connection) {
    const state = `st-${Math.random().toString(36).slice(2)}`;
    const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
      scope: 'openid email', state, connection_id: connection });
    let r = await fetch(`${base}/oauth/authorize?${q}`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    const step = new URL(r.headers.get('location'), base);
    assert.equal(step.pathname, '/login/connection');
    r = await fetch(`${base}/login/sso${step.search}`, { redirect: 'manual' });
    assert.equal(r.status, 302, await r.text());
    const cookie = r.headers.get('set-cookie').split(';')[0];
    r = await fetch(r.headers.get('location'), { redirect: 'manual' });
    assert.equal(r.status, 302);
    const callback = r.headers.get('location');
    assert.ok(callback.startsWith(`${base}/sso/oidc/callback?`), callback);
    r = await fetch(callback, { redirect: 'manual', headers: { Cookie: cookie } });
    assert.equal(r.status, 302, await r.text());
    const back = new URL(r.headers.get('location'));
    assert.ok(back.href.startsWith(redirectUri), back.href);
    assert.equal(back.searchParams.get('state'), state);
    assert.equal(back.searchParams.get('iss'), base);
    return back;
  }

  const cases = [
    ['bad_signature', 'invalid_id_token'],
    ['wrong_nonce', 'invalid_id_token'],
    ['wrong_aud', 'invalid_id_token'],
    ['expired', 'invalid_id_token'],
    ['alg_none', 'invalid_id_token'],
    ['hs256', 'invalid_id_token'],
    ['garbage', 'failed_to_exchange_token'],
    ['status_500', 'failed_to_exchange_token'],
    ['error_400', 'failed_to_exchange_token'],
    ['oversized', 'failed_to_exchange_token'],
  ];
  for (const [mode, code] of cases) {
    test(`token endpoint ${mode} -> ${code}`, async () => {
      await ctx.bad.control({ token_mode: mode });
      const back = await login(ctx.badConn);
      assert.equal(back.searchParams.get('error'), code);
      assert.equal(back.searchParams.get('code'), null);
      assert.ok(back.searchParams.get('error_description').length > 0);
    });
  }

  test('the same IdP behaving again signs in', async () => {
    await ctx.bad.control({ token_mode: 'ok' });
    const back = await login(ctx.badConn);
    assert.equal(back.searchParams.get('error'), null, back.href);
    assert.ok(back.searchParams.get('code'));
  });

  test('an IdP that never answers delays only its own login, which ends as failed_to_exchange_token', async () => {
    await ctx.bad.control({ token_mode: 'hang' });
    const finished = [];
    const hung = login(ctx.badConn).then((back) => { finished.push('hung'); return back; });
    // Several other logins complete while the first waits on its IdP.
    for (let i = 0; i < 3; i++) {
      const back = await login(ctx.goodConn);
      assert.ok(back.searchParams.get('code'), back.href);
      finished.push('good');
    }
    const back = await hung;
    assert.deepEqual(finished, ['good', 'good', 'good', 'hung']);
    assert.equal(back.searchParams.get('error'), 'failed_to_exchange_token');
    await ctx.bad.control({ token_mode: 'ok' });
  });
});
