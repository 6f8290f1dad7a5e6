// The newcomer path of examples/webapp/README.md: `examples/webapp/run` alone starts Gatehouse
// (with `--smtp log`) and the C++ SDK's example application, prints one "Open http://localhost:PORT/
// ..." line, and the sign-in email (6-digit code and magic link) appears on the script's own
// output; with nothing else, a person signs up, signs out and signs in again. Ctrl-C (SIGINT)
// stops both servers and deletes the script's data directory.
//
// The script is given the binaries under test (GATEHOUSE_BIN, GATEHOUSE_WEBAPP_BIN, as ctest sets
// them: it then builds nothing), two ports found free just before (GATEHOUSE_PORT, WEBAPP_PORT)
// and TMPDIR = a scratch directory of this test (where its `gatehouse-example.*` directory must
// come and go). Its stdout and stderr (its own lines and both servers') are read as a terminal
// would show them; every wait is on that output or on the browser, bounded by a deadline.
//
// Journey, in order, sharing one browser page:
//   - the one "Open" line -> its URL -> Sign up -> hosted sign-up (name, email) -> the code read
//     from the script's output (the email to this address printed after the submit) -> the
//     application's profile of the new user;
//   - Sign out -> the application's home, signed out -> Sign in with the same email -> a new
//     code from the output -> the profile, the same user id;
//   - Sign out -> Sign in -> the magic link of a new email, opened in the same browser -> the
//     profile, the same user id;
//   - SIGINT to the script: it exits with 130, both ports refuse connections, nothing it started
//     is left, its data directory is gone.
//
// Run: GATEHOUSE_BIN=build/src/app/gatehouse GATEHOUSE_WEBAPP_BIN=build/examples/webapp/gatehouse-example-webapp
// tests/browser/run.sh webapp_run.test.mjs (ctest: e2e.browser_webapp_run). The script runs in a
// process group of its own; when a step fails, it is stopped by its PID (SIGTERM: it stops its
// servers itself), and whatever is left of its group is killed by that group's id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, mkdtempSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  BIN, CHROMIUM, CHROMIUM_ARGS, ROOT, cliEnv, freePort, openPage, scratchDirs, stop, submitCode, teardown, track,
} from './support.mjs';

const SCRIPT = path.join(ROOT, 'examples/webapp/run');
const WEBAPP_BIN = process.env.GATEHOUSE_WEBAPP_BIN
  || path.join(ROOT, 'build/examples/webapp/gatehouse-example-webapp');
const START_TIMEOUT_MS = 60_000;  // two servers on a busy machine
const MAIL_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

function address(what) {
  return `${what}-${randomBytes(3).toString('hex')}@example.com`;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Resolves with 'ECONNREFUSED' when nothing listens on 127.0.0.1:port, else with what happened.
function connectOutcome(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => { socket.destroy(); resolve('timeout'); });
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (e) => resolve(e.code));
  });
}

// `examples/webapp/run` with its output captured: { proc, out: { stdout, stderr }, waitFor, all,
// exited, closed }.
// waitFor(find, what, ms) resolves with the first value `find(out)` returns that is not null,
// checked whenever output arrives; it rejects when the script exits first or the deadline passes.
function startScript(env) {
  const proc = track(spawn(SCRIPT, [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  const out = { stdout: '', stderr: '' };
  const waiters = new Set();
  const check = () => {
    for (const w of waiters) {
      let value = null;
      try { value = w.find(out); } catch (e) { w.fail(e); continue; }
      if (value !== null && value !== undefined) w.done(value);
    }
  };
  for (const name of ['stdout', 'stderr']) {
    proc[name].setEncoding('utf8');
    proc[name].on('data', (chunk) => { out[name] += chunk; check(); });
  }
  const all = () => `--- stdout:\n${out.stdout}--- stderr:\n${out.stderr}`;
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise((resolve) => proc.once('close', resolve));
  exited.then(({ code, signal }) => {
    for (const w of waiters) w.fail(new Error(`the script exited (${code ?? signal}) before ${w.what}\n${all()}`));
  });
  const waitFor = (find, what, timeoutMs) => new Promise((resolve, reject) => {
    const w = { find, what };
    const timer = setTimeout(() => w.fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${all()}`)),
      timeoutMs);
    w.done = (v) => { clearTimeout(timer); waiters.delete(w); resolve(v); };
    w.fail = (e) => { clearTimeout(timer); waiters.delete(w); reject(e); };
    waiters.add(w);
    if (proc.exitCode !== null || proc.signalCode !== null) {
      w.fail(new Error(`the script has exited, waiting for ${what}\n${all()}`));
      return;
    }
    check();
  });
  return { proc, out, waitFor, all, exited, closed };
}

// The complete lines of both streams (each stream on its own: their chunks interleave at random).
const lines = (out) => [out.stdout, out.stderr].flatMap((s) => s.split('\n').slice(0, -1));

// The email to `to` that the log mail transport printed after `mark` (the streams' lengths before
// the submit): "To: ADDRESS\nSubject: ...\n\n" and the text, with "Your verification code is:
// NNNNNN" and the magic link on lines of their own. The text ends at the next "To: " line or at
// the end of what was read; null until the code's and the link's lines are complete.
function printedMail(out, mark, to, ghOrigin) {
  const head = new RegExp(`(?:^|\\n)To: ${escapeRegExp(to)}\\nSubject: ([^\\n]*)\\n\\n`);
  for (const name of ['stdout', 'stderr']) {
    const text = out[name].slice(mark[name]);
    const m = head.exec(text);
    if (!m) continue;
    const rest = text.slice(m.index + m[0].length);
    const next = rest.search(/(?:^|\n)To: /);
    const body = next < 0 ? rest : rest.slice(0, next);
    const code = (body.match(/^Your verification code is: (\d{6})\n/m) || [])[1];
    const link = (body.match(new RegExp(`^(${escapeRegExp(ghOrigin)}/login/magic\\?token=[A-Za-z0-9_-]+)\\n`, 'm'))
      || [])[1];
    if (code && link) return { stream: name, subject: m[1], code, link };
  }
  return null;
}

describe('examples/webapp/run: the README\'s newcomer path', () => {
  let tmp;
  let script;
  let browser;
  let ghPort;
  let appPort;
  let ended = false;  // the script and everything it started are known to be gone
  const journey = {};

  // Anything of the script's process group still there when node exits (a step failed and the
  // after hook did not run): killed by the group's id, which is the script's PID.
  const killGroup = () => {
    if (!script || ended) return;
    try { process.kill(-script.proc.pid, 'SIGKILL'); } catch { /* nothing left */ }
  };
  process.on('exit', killGroup);

  before(async () => {
    for (const [what, file] of [['GATEHOUSE_BIN', BIN], ['GATEHOUSE_WEBAPP_BIN', WEBAPP_BIN]]) {
      // Without both, the script would build; this test runs binaries that exist.
      try { accessSync(file, fsConstants.X_OK); } catch { assert.fail(`${what}: no executable at ${file}`); }
    }
    tmp = mkdtempSync(path.join(tmpdir(), 'gh-browser-webapp-run-'));
    scratchDirs.add(tmp);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    try { if (journey.context) await journey.context.close(); } catch { /* the browser is gone */ }
    if (script && !ended) {
      // A step failed: the script stops its servers on SIGTERM; what is left goes by the group id.
      const code = await stop(script.proc, STOP_TIMEOUT_MS);
      console.error(`examples/webapp/run stopped (${code}); its output:\n${script.all()}`);
      killGroup();
      ended = true;
    }
    await teardown({ browser, dir: tmp });
  });

  test('the script starts both servers and prints one "Open" line', async () => {
    // The ports are free when probed; when one is taken before the script binds it, the script
    // says so and exits: then again with two other ports (three attempts).
    for (let attempt = 1; ; attempt++) {
      ghPort = await freePort();
      do appPort = await freePort(); while (appPort === ghPort);
      const env = {
        ...cliEnv(), GATEHOUSE_BIN: BIN, GATEHOUSE_WEBAPP_BIN: WEBAPP_BIN,
        GATEHOUSE_PORT: String(ghPort), WEBAPP_PORT: String(appPort), TMPDIR: tmp,
      };
      script = startScript(env);
      try {
        journey.open = await script.waitFor((out) => lines(out).find((l) => l.startsWith('Open ')),
          'the "Open" line', START_TIMEOUT_MS);
        break;
      } catch (e) {
        // Still running (a timeout): the after hook stops it. Exited: its output is read to the end
        // (it stopped the other server before exiting, so the pipes close).
        if (script.proc.exitCode === null && script.proc.signalCode === null) throw e;
        await script.closed;
        if (!/is port \d+ free\?/.test(script.out.stderr) || attempt === 3) throw e;
      }
    }
    const url = `http://localhost:${appPort}/`;
    assert.ok(journey.open.startsWith(`Open ${url} `), journey.open);
    assert.match(journey.open, /the code arrives on this terminal/);
    assert.deepEqual(lines(script.out).filter((l) => l.startsWith('Open ')), [journey.open], 'one "Open" line');
    journey.url = url;
    journey.appOrigin = `http://localhost:${appPort}`;
    journey.ghOrigin = `http://localhost:${ghPort}`;
    // The data directory, in the TMPDIR it was given.
    assert.equal(readdirSync(tmp).filter((f) => f.startsWith('gatehouse-example.')).length, 1, readdirSync(tmp).join());
  });

  const onApp = (pathname) => (u) => u.origin === journey.appOrigin && u.pathname === pathname;
  const onGatehouse = (pathname) => (u) => u.origin === journey.ghOrigin && u.pathname === pathname;
  const sub = (page) => page.locator('#id-claims td[data-claim="sub"]').textContent();

  // The hosted login's email step, on a page showing Gatehouse's /login: fills the email (and the
  // name, on the sign-up form), submits, and resolves on the code page with the email the script
  // printed for this address after the submit.
  async function submitEmail(page, email, name = null) {
    assert.ok(onGatehouse('/login')(new URL(page.url())), `on the hosted page: ${page.url()}`);
    if (name !== null) await page.locator('input[name="name"]').fill(name);
    await page.locator('input[type="email"]').fill(email);
    const mark = { stdout: script.out.stdout.length, stderr: script.out.stderr.length };
    await Promise.all([
      page.waitForURL(onGatehouse('/login/passwordless')),
      page.locator('form[action="/login/email"] button[type="submit"]').click(),
    ]);
    return script.waitFor((out) => printedMail(out, mark, email, journey.ghOrigin),
      `the email to ${email} on the script's output`, MAIL_TIMEOUT_MS);
  }

  async function signOut(page) {
    await Promise.all([page.waitForURL(onApp('/')), page.getByRole('button', { name: 'Sign out' }).click()]);
    assert.equal(await page.locator('#signed-out').count(), 1, 'signed out');
  }

  test('Open -> Sign up with the code from the terminal -> the profile of the new user', async () => {
    assert.ok(journey.url, 'the script runs');
    const opened = await openPage(browser);
    opened.context.setDefaultTimeout(60_000);
    Object.assign(journey, opened);
    const { page, problems } = opened;

    await page.goto(journey.url);
    assert.equal(await page.locator('#signed-out').count(), 1);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL(onGatehouse('/login'));
    assert.equal(await page.locator('input[name="name"]').count(), 1, 'the sign-up form');

    const email = address('newcomer');
    const mail = await submitEmail(page, email, 'New Comer');
    assert.equal(mail.subject, 'Finish signing up for Example app');
    await submitCode(page, mail.code, onApp('/profile'));
    assert.equal(await page.locator('#user-email').textContent(), email);
    const first = await sub(page);
    assert.match(first, /^usr_/);
    Object.assign(journey, { email, sub: first, links: [mail.link] });
    assert.deepEqual(problems, []);
  });

  test('Sign out -> Sign in with a new code from the terminal -> the same user', async () => {
    const { page, problems, email } = journey;
    assert.ok(journey.sub, 'signed up');
    await signOut(page);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(onGatehouse('/login'));
    const mail = await submitEmail(page, email);
    assert.equal(mail.subject, 'Sign in to Example app');
    assert.ok(!journey.links.includes(mail.link), 'a new email');
    journey.links.push(mail.link);
    await submitCode(page, mail.code, onApp('/profile'));
    assert.equal(await page.locator('#user-email').textContent(), email);
    assert.equal(await sub(page), journey.sub);
    assert.deepEqual(problems, []);
  });

  test('Sign out -> Sign in with the magic link from the terminal, same browser -> the same user', async () => {
    const { page, problems, email } = journey;
    assert.ok(journey.sub, 'signed up');
    await signOut(page);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(onGatehouse('/login'));
    const mail = await submitEmail(page, email);
    assert.ok(!journey.links.includes(mail.link), 'a new email');
    await page.goto(mail.link);
    await page.waitForURL(onApp('/profile'));
    assert.equal(await page.locator('#user-email').textContent(), email);
    assert.equal(await sub(page), journey.sub);
    assert.deepEqual(problems, []);
  });

  test('Ctrl-C (SIGINT): exits with 130, both servers stopped, the data directory removed', async () => {
    assert.ok(journey.url, 'the script runs');
    assert.equal(await connectOutcome(ghPort), 'connected', 'Gatehouse listens before');
    assert.equal(await connectOutcome(appPort), 'connected', 'the application listens before');
    const exit = await Promise.race([
      script.exited,
      new Promise((resolve) => {
        process.kill(script.proc.pid, 'SIGINT');
        setTimeout(() => resolve({ timeout: true }), STOP_TIMEOUT_MS).unref();
      }),
    ]);
    assert.deepEqual(exit, { code: 130, signal: null }, script.all());
    assert.equal(await connectOutcome(ghPort), 'ECONNREFUSED', 'Gatehouse stopped');
    assert.equal(await connectOutcome(appPort), 'ECONNREFUSED', 'the application stopped');
    // Nothing of the script's process group is left (it waited for both servers).
    assert.throws(() => process.kill(-script.proc.pid, 0), { code: 'ESRCH' });
    ended = true;
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('gatehouse-example.')), []);
    assert.deepEqual(lines(script.out).filter((l) => l.startsWith('Open ')), [journey.open], 'still one "Open" line');
  });
});
