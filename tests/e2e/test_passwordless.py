"""Passwordless sign-in over HTTP: the real server, a real SMTP server (tests/support/smtp_sink.py)
and a hand-rolled browser (http.client, a cookie jar kept by hand, redirects never followed).

Each journey starts at /oauth/authorize as an application would, reads the CSRF token and the
transaction from the HTML forms, reads the code and the magic link from the delivered email, and
checks the authorization response (302 to the redirect URI, or the form_post page). Rate limits,
restarts and two nodes on one SQLite file get servers (and data directories) of their own.
"""
import base64
import email
import email.policy
import hashlib
import html
import html.parser
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import GatehouseTestCase, Server, run_cli, wait_until

ISSUER = "http://127.0.0.1:8080"
REDIRECT = "https://app.example.com/callback"
APP_NAME = "My application"  # the name `gatehouse init` gives its first client
VERIFIER = "dBjftJeZ4CVP-mJ0kHOWbeTSKuQ3l5vt3oMX37yMSCGW"  # RFC 7636 appendix B
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
SINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../support/smtp_sink.py")
# The sink needs Debian's python3-aiosmtpd, so it runs under Debian's interpreter.
SINK_PYTHON = "/usr/bin/python3"
# Generous limits for the servers whose tests are not about limits: they share one client address.
NO_LIMITS = ("--rate-limit-email", "1000", "--rate-limit-ip", "1000", "--rate-limit-verify-ip", "1000")


class SmtpSink:
    """tests/support/smtp_sink.py on a free port, writing messages into `directory`."""

    def __init__(self, directory):
        self.directory = directory
        self.proc = subprocess.Popen([SINK_PYTHON, SINK, "--dir", directory], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.stop()
            raise AssertionError("smtp sink did not start: " + self.proc.stderr.read().decode(errors="replace"))
        self.port = json.loads(line)["port"]
        self.url = f"smtp://127.0.0.1:{self.port}"

    def count(self):
        return len([f for f in os.listdir(self.directory) if f.endswith(".eml") and f[:-4].isdigit()])

    def messages(self):
        """[(n, envelope, parsed message)] in arrival order."""
        out = []
        for n in range(1, self.count() + 1):
            with open(os.path.join(self.directory, f"{n}.json")) as f:
                envelope = json.load(f)
            with open(os.path.join(self.directory, f"{n}.eml"), "rb") as f:
                out.append((n, envelope, email.message_from_bytes(f.read(), policy=email.policy.default)))
        return out

    def to(self, address):
        return [m for m in self.messages() if m[1]["rcpt_tos"] == [address]]

    def wait_for(self, address, after=0):
        """The first message to `address` numbered above `after`; polls until it arrives."""
        def arrived():
            found = [m for m in self.to(address) if m[0] > after]
            return found[0] if found else None
        return wait_until(arrived, timeout=20, what=f"an email to {address}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


class Mail:
    """What a sign-in email holds."""

    def __init__(self, envelope, message):
        self.envelope = envelope
        self.message = message
        self.to = str(message["To"])
        self.subject = str(message["Subject"])
        self.text = message.get_body(preferencelist=("plain",)).get_content()
        self.html = message.get_body(preferencelist=("html",)).get_content()
        m = re.search(r"Your verification code is: (\d{6})\b", self.text)
        self.code = m.group(1) if m else None
        m = re.search(r"(\S+/login/magic\?token=([A-Za-z0-9_-]+))", self.text)
        self.link = m.group(1) if m else None
        self.link_token = m.group(2) if m else None


class Forms(html.parser.HTMLParser):
    """The forms of a page: [{"action", "method", "fields": {name: value}, "inputs": [attrs]}]."""

    def __init__(self, text):
        super().__init__()
        self.forms = []
        self._form = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "method": (a.get("method") or "get").lower(),
                          "fields": {}, "inputs": []}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            self._form["inputs"].append(a)
            if a.get("name"):
                self._form["fields"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # [(name lowercased, value)]
        self.body = body
        self.text = body.decode("utf-8", errors="replace")

    def header(self, name):
        values = [v for k, v in self.headers if k == name.lower()]
        return values[0] if values else None

    def alert(self):
        """The text of the page's role="alert" message, or None."""
        m = re.search(r'role="alert"[^>]*>(.*?)</', self.text, re.S)
        return html.unescape(m.group(1)).strip() if m else None

    @property
    def location(self):
        return self.header("location")

    def form(self, action):
        forms = [f for f in Forms(self.text).forms if f["action"] == action]
        if not forms:
            raise AssertionError(f"no form posting to {action} in a {self.status} page:\n{self.text}")
        return forms[0]

    def redirect_params(self):
        """The query of a 302 to the redirect URI, as a dict."""
        loc = self.location or ""
        if self.status != 302 or not loc.startswith(REDIRECT + "?"):
            raise AssertionError(f"expected a 302 to {REDIRECT}, got {self.status} {loc}:\n{self.text[:2000]}")
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query, keep_blank_values=True))


class Browser:
    """A cookie jar and a way to send requests with it. Cookies are host-only for 127.0.0.1 (every
    server in a test is one), so one jar follows a login across restarts and nodes."""

    def __init__(self):
        self.cookies = {}

    def request(self, server, method, path, form=None):
        headers = {"Accept": "text/html"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            response = Response(r.status, [(k.lower(), v) for k, v in r.getheaders()], r.read())
            for set_cookie in r.msg.get_all("Set-Cookie") or []:
                self._store(set_cookie)
        finally:
            conn.close()
        server.drain_log()  # keeps the server's stderr pipe from filling up
        return response

    def _store(self, set_cookie):
        pair, _, attrs = set_cookie.partition(";")
        name, _, value = pair.strip().partition("=")
        if not value or re.search(r"(?i)max-age=0\b", attrs):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def get(self, server, path):
        return self.request(server, "GET", path)

    def post(self, server, path, form):
        return self.request(server, "POST", path, form)

    def submit(self, server, form, **values):
        fields = dict(form["fields"])
        fields.update(values)
        return self.post(server, form["action"], fields)


def path_of(url):
    """The path and query of an absolute URL (the magic link names the issuer, not the test port)."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def refused_port():
    """A loopback port that refuses connections for as long as the returned socket stays open
    (bound, never listening): no guessing, no race with another test taking the port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    return s


class PasswordlessCase(GatehouseTestCase):
    """Helpers that walk the hosted pages as a browser does."""

    issuer = ISSUER

    def fresh_data_dir(self, name="data"):
        data = os.path.join(self.tmp, name)
        out = run_cli("init", "--data", data, "--issuer", ISSUER, "--redirect-uri", REDIRECT)[1]
        return data, out["client_id"]

    def authorize_query(self, client_id, **extra):
        p = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
             "scope": "openid profile email", "state": "st-" + os.urandom(4).hex(), "nonce": "n-" + os.urandom(4).hex(),
             "code_challenge": CHALLENGE, "code_challenge_method": "S256"}
        p.update(extra)
        return {k: v for k, v in p.items() if v is not None}

    def authorize(self, server, browser, client_id, **extra):
        params = self.authorize_query(client_id, **extra)
        r = browser.get(server, "/oauth/authorize?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote))
        return params, r

    def open_login(self, server, browser, client_id, **extra):
        """authorize -> 302 /login?tx= -> the login page; returns (params, the /login/email form)."""
        params, r = self.authorize(server, browser, client_id, **extra)
        self.assertEqual(r.status, 302, r.text)
        self.assertTrue(r.location.startswith("/login?tx="), r.location)
        page = browser.get(server, r.location)
        self.assertEqual(page.status, 200, page.text)
        self.assertIn("gh_csrf", browser.cookies)
        return params, page.form("/login/email")

    def send_email(self, server, sink, browser, client_id, address, **extra):
        """Through the email step: returns (params, the /login/passwordless page, its code form, Mail).
        The mail is awaited for the address in lowercase (the server normalises it)."""
        params, form = self.open_login(server, browser, client_id, **extra)
        before = sink.count()
        r = browser.submit(server, form, email=address)
        self.assertEqual(r.status, 303, r.text)
        self.assertTrue(r.location.startswith("/login/passwordless?tx="), r.location)
        n, envelope, message = sink.wait_for(address.lower(), after=before)
        page = browser.get(server, r.location)
        self.assertEqual(page.status, 200, page.text)
        return params, page, page.form("/login/passwordless/verify"), Mail(envelope, message)

    def assert_code_response(self, r, params):
        q = r.redirect_params()
        self.assertEqual(set(q), {"code", "state", "iss"}, q)
        self.assertEqual(q["state"], params["state"])
        self.assertEqual(q["iss"], ISSUER)
        self.assertRegex(q["code"], r"^[A-Za-z0-9_-]{43}$")
        return q["code"]

    def code_row(self, data, code):
        """The stored authorization code (hex SHA-256 of the code names it), as a dict."""
        db = sqlite3.connect(f"file:{os.path.join(data, 'gatehouse.db')}?mode=ro", uri=True, timeout=10)
        try:
            db.row_factory = sqlite3.Row
            row = db.execute("select * from authorization_codes where code_hash = ?",
                             (hashlib.sha256(code.encode()).hexdigest(),)).fetchone()
            return dict(row) if row else None
        finally:
            db.close()

    def challenge_attempts(self, data):
        db = sqlite3.connect(f"file:{os.path.join(data, 'gatehouse.db')}?mode=ro", uri=True, timeout=10)
        try:
            return [r[0] for r in db.execute("select attempts from email_challenges")]
        finally:
            db.close()

    def assert_too_many(self, r, window):
        self.assertEqual(r.status, 429, r.text)
        retry = r.header("retry-after")
        self.assertIsNotNone(retry, "429 without Retry-After")
        self.assertTrue(retry.isdigit() and 0 < int(retry) <= window, retry)


class SharedServerTest(PasswordlessCase):
    """Journeys against one server with generous limits (each test uses its own addresses)."""

    @classmethod
    def setUpClass(cls):
        cls.cls_tmp = tempfile.mkdtemp(prefix="gh-pwl-")
        cls.cls_data = os.path.join(cls.cls_tmp, "data")
        init = run_cli("init", "--data", cls.cls_data, "--issuer", ISSUER, "--redirect-uri", REDIRECT)[1]
        cls.client_id = init["client_id"]
        cls.sink = SmtpSink(os.path.join(cls.cls_tmp, "mail"))
        try:
            cls.server = Server(cls.cls_data, "--smtp", cls.sink.url, "--access-log", "false", *NO_LIMITS).start()
        except BaseException:
            cls.sink.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls.sink.stop()
        shutil.rmtree(cls.cls_tmp, ignore_errors=True)

    def address(self):
        return f"{self._testMethodName.replace('_', '-')}-{os.urandom(3).hex()}@example.com"

    def signed_in(self, address=None):
        """A browser signed in through the code flow; returns (browser, address)."""
        browser, address = Browser(), address or self.address()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, address)
        self.assert_code_response(browser.submit(self.server, form, code=mail.code), params)
        self.assertIn("gh_session", browser.cookies)
        return browser, address

    def test_code_flow(self):
        browser, address = Browser(), self.address()
        params, page, form, mail = self.send_email(self.server, self.sink, browser, self.client_id,
                                                   address.upper().replace("@EXAMPLE.COM", "@Example.com"))
        # The address is normalised to lowercase; the page names it and asks for the code.
        self.assertEqual(mail.envelope["rcpt_tos"], [address])
        self.assertEqual(mail.to, address)
        self.assertEqual(mail.subject, f"Finish signing up for {APP_NAME}")  # a new user
        self.assertIn(address, page.text)
        self.assertRegex(mail.code, r"^\d{6}$")
        self.assertTrue(mail.link.startswith(ISSUER + "/login/magic?token="), mail.link)
        self.assertIn(mail.code, mail.html)
        code_input = [i for i in form["inputs"] if i.get("name") == "code"][0]
        self.assertEqual(code_input.get("autocomplete"), "one-time-code")
        self.assertEqual(code_input.get("inputmode"), "numeric")

        r = browser.submit(self.server, form, code=mail.code)
        code = self.assert_code_response(r, params)
        session = browser.cookies.get("gh_session")
        self.assertTrue(session, "signing in sets the session cookie")
        self.assertIn("HttpOnly", r.header("set-cookie"))
        row = self.code_row(self.cls_data, code)
        self.assertIsNotNone(row, "the code is stored under its hash")
        self.assertEqual(row["code_challenge"], CHALLENGE)
        self.assertEqual(row["nonce"], params["nonce"])
        self.assertEqual(row["client_id"], self.client_id)
        self.assertEqual(row["redirect_uri"], REDIRECT)
        self.assertEqual(row["auth_method"], "otp")

        # The second sign-in of the same address is a sign-in, not a sign-up.
        other = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, other, self.client_id, address)
        self.assertEqual(mail.subject, f"Sign in to {APP_NAME}")
        self.assert_code_response(other.submit(self.server, form, code=mail.code), params)

    def test_code_is_single_use(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        self.assert_code_response(browser.submit(self.server, form, code=mail.code), params)
        again = browser.submit(self.server, form, code=mail.code)
        self.assertEqual(again.status, 400, again.text)
        self.assertNotIn("location", dict(again.headers))
        # ... and the link of that email is dead too.
        self.assertEqual(Browser().get(self.server, path_of(mail.link)).status, 400)

    def test_magic_link_in_the_same_browser(self):
        browser = Browser()
        params, _, _, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        r = browser.get(self.server, path_of(mail.link))
        code = self.assert_code_response(r, params)
        self.assertIn("gh_session", browser.cookies)
        self.assertEqual(self.code_row(self.cls_data, code)["auth_method"], "magic_link")
        # A used link: 400 in that browser and in any other.
        self.assertEqual(browser.get(self.server, path_of(mail.link)).status, 400)
        self.assertEqual(Browser().get(self.server, path_of(mail.link)).status, 400)

    def test_magic_link_in_another_browser_asks_first(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        # A mail scanner fetches the link: a confirmation page, nothing consumed, no session.
        scanner = Browser()
        page = scanner.get(self.server, path_of(mail.link))
        self.assertEqual(page.status, 200, page.text)
        self.assertNotIn("gh_session", scanner.cookies)
        self.assertIn("Sign in here", page.text)
        scanner_confirm = page.form("/login/magic")
        # The other device's user confirms.
        device = Browser()
        page = device.get(self.server, path_of(mail.link))
        self.assertEqual(page.status, 200, page.text)
        confirm = page.form("/login/magic")
        self.assertEqual(confirm["method"], "post")
        self.assertEqual(confirm["fields"]["token"], mail.link_token)
        r = device.submit(self.server, confirm)
        self.assert_code_response(r, params)
        self.assertIn("gh_session", device.cookies)
        # The link is used now: the scanner's page cannot be confirmed later, nor the code used.
        self.assertEqual(scanner.submit(self.server, scanner_confirm).status, 400)
        self.assertEqual(device.get(self.server, path_of(mail.link)).status, 400)
        self.assertEqual(browser.submit(self.server, form, code=mail.code).status, 400)

    def test_confirming_a_link_needs_the_csrf_token(self):
        _, _, _, mail = self.send_email(self.server, self.sink, Browser(), self.client_id, self.address())
        device = Browser()
        confirm = device.get(self.server, path_of(mail.link)).form("/login/magic")
        self.assertEqual(device.submit(self.server, confirm, csrf="x" * 43).status, 403)
        self.assertEqual(Browser().post(self.server, "/login/magic", confirm["fields"]).status, 403)

    def test_prompt_none_without_a_session(self):
        params, r = self.authorize(self.server, Browser(), self.client_id, prompt="none")
        self.assertEqual(r.status, 302, r.text)
        q = r.redirect_params()
        self.assertEqual(q["error"], "login_required")
        self.assertEqual(q["state"], params["state"])
        self.assertEqual(q["iss"], ISSUER)
        self.assertNotIn("code", q)

    def test_prompt_none_with_a_session(self):
        browser, _ = self.signed_in()
        params, r = self.authorize(self.server, browser, self.client_id, prompt="none")
        code = self.assert_code_response(r, params)  # straight from /oauth/authorize: no page
        self.assertEqual(r.body, b"")
        row = self.code_row(self.cls_data, code)
        self.assertEqual(row["nonce"], params["nonce"])
        self.assertEqual(row["code_challenge"], CHALLENGE)
        # Without prompt, a signed-in browser is not asked again either.
        params, r = self.authorize(self.server, browser, self.client_id)
        self.assert_code_response(r, params)

    def test_prompt_login_with_a_session_shows_the_login_page(self):
        browser, address = self.signed_in()
        _, form = self.open_login(self.server, browser, self.client_id, prompt="login")
        self.assertIn("email", form["fields"])
        # ... and signing in again works.
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, address,
                                                prompt="login")
        self.assert_code_response(browser.submit(self.server, form, code=mail.code), params)

    def test_form_post_response_mode(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address(),
                                                response_mode="form_post")
        r = browser.submit(self.server, form, code=mail.code)
        self.assertEqual(r.status, 200, r.text)
        self.assertIsNone(r.location)
        post = r.form(REDIRECT)
        self.assertEqual(post["method"], "post")
        self.assertEqual(set(post["fields"]), {"code", "state", "iss"})
        self.assertEqual(post["fields"]["state"], params["state"])
        self.assertEqual(post["fields"]["iss"], ISSUER)
        self.assertIsNotNone(self.code_row(self.cls_data, post["fields"]["code"]))
        self.assertIn("form-action https://app.example.com", r.header("content-security-policy"))
        self.assertIn("gh_session", browser.cookies)

    def test_five_wrong_codes_kill_the_code(self):
        browser = Browser()
        _, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
        for left in (4, 3, 2, 1):
            r = browser.submit(self.server, form, code=wrong)
            self.assertEqual(r.status, 400, r.text)
            self.assertIn(f"{left} attempt", r.text)
        r = browser.submit(self.server, form, code=wrong)
        self.assertEqual(r.status, 400)
        self.assertIn("Too many wrong codes", r.text)
        r = browser.submit(self.server, form, code=mail.code)
        self.assertEqual(r.status, 400, r.text)
        self.assertIn("Too many wrong codes", r.text)
        self.assertNotIn("gh_session", browser.cookies)

    def test_malformed_codes_are_400_and_not_attempts(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        for bad in ["12a456", "1234567", "12345", "", "１２３４５６", "12 456", "0x1234"] * 2:
            r = browser.submit(self.server, form, code=bad)
            self.assertEqual(r.status, 400, (bad, r.text))
            self.assertIn("6-digit code", r.text)
            self.assertIn('aria-invalid="true"', r.text)
        # More than max_attempts malformed codes were refused, yet the right one still works.
        self.assert_code_response(browser.submit(self.server, form, code=f" {mail.code} "), params)

    def test_resend_waits_for_the_cool_down(self):
        browser = Browser()
        params, page, form, first = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        resend = page.form("/login/passwordless/resend")
        r = browser.submit(self.server, resend)
        # Within the cool-down: 429 with Retry-After and the page (with the transaction) again.
        self.assert_too_many(r, 30)
        self.assertEqual(r.form("/login/passwordless/verify")["fields"]["tx"], form["fields"]["tx"])
        self.assertEqual(len(self.sink.to(first.to)), 1)


class LimitsTest(PasswordlessCase):
    """Each test: its own data directory (the counters live in the store) and SMTP sink."""

    def setUp(self):
        super().setUp()
        self.sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(self.sink.stop)

    def server(self, data, *extra):
        server = Server(data, "--smtp", self.sink.url, "--access-log", "false", *extra)
        self.addCleanup(server.__exit__)
        return server.start()

    def test_code_checks_per_ip(self):
        data, client_id = self.fresh_data_dir()
        server = self.server(data, "--rate-limit-verify-ip", "3")
        browser = Browser()
        _, _, form, mail = self.send_email(server, self.sink, browser, client_id, "ann@example.com")
        # Malformed codes are refused before the limit: they do not count.
        for _ in range(5):
            self.assertEqual(browser.submit(server, form, code="abcdef").status, 400)
        wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
        for _ in range(3):
            r = browser.submit(server, form, code=wrong)
            self.assertEqual(r.status, 400, r.text)
        r = browser.submit(server, form, code=wrong)
        self.assert_too_many(r, 300)
        # The right code, and the link, from this address are refused too while the window lasts.
        self.assert_too_many(browser.submit(server, form, code=mail.code), 300)
        self.assert_too_many(browser.get(server, path_of(mail.link)), 300)
        self.assertNotIn("gh_session", browser.cookies)

    def test_emails_per_address(self):
        data, client_id = self.fresh_data_dir()
        server = self.server(data, "--rate-limit-email", "2")
        for _ in range(2):
            self.send_email(server, self.sink, Browser(), client_id, "bob@example.com")
        browser = Browser()
        _, form = self.open_login(server, browser, client_id)
        r = browser.submit(server, form, email="Bob@Example.com")  # the same address, as typed differently
        self.assert_too_many(r, 900)
        self.assertEqual(len(self.sink.to("bob@example.com")), 2)
        # Another address from the same client is still served.
        self.send_email(server, self.sink, Browser(), client_id, "carol@example.com")

    def test_emails_per_ip(self):
        data, client_id = self.fresh_data_dir()
        server = self.server(data, "--rate-limit-ip", "2")
        self.send_email(server, self.sink, Browser(), client_id, "gia@example.com")
        self.send_email(server, self.sink, Browser(), client_id, "hoa@example.com")
        browser = Browser()
        _, form = self.open_login(server, browser, client_id)
        self.assert_too_many(browser.submit(server, form, email="ida@example.com"), 900)
        self.assertEqual(self.sink.to("ida@example.com"), [])

    def test_code_checks_per_ip_hold_across_two_nodes(self):
        data, client_id = self.fresh_data_dir()
        a = self.server(data, "--rate-limit-verify-ip", "4")
        b = self.server(data, "--rate-limit-verify-ip", "4")
        browser = Browser()
        _, _, form, mail = self.send_email(a, self.sink, browser, client_id, "dan@example.com")
        wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
        for node in (a, b, a, b):
            r = browser.submit(node, form, code=wrong)
            self.assertEqual(r.status, 400, r.text)
        self.assert_too_many(browser.submit(a, form, code=wrong), 300)
        self.assert_too_many(browser.submit(b, form, code=mail.code), 300)


class DurabilityTest(PasswordlessCase):
    def setUp(self):
        super().setUp()
        self.sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(self.sink.stop)

    def test_a_login_outlives_a_restart(self):
        data, client_id = self.fresh_data_dir()
        browser = Browser()
        with Server(data, "--smtp", self.sink.url, "--access-log", "false") as first:
            params, _, form, mail = self.send_email(first, self.sink, browser, client_id, "erin@example.com")
            self.assertEqual(first.terminate(), 0)
        with Server(data, "--smtp", self.sink.url, "--access-log", "false") as second:
            self.assert_code_response(browser.submit(second, form, code=mail.code), params)

    def test_a_link_sent_by_one_node_completes_on_another(self):
        data, client_id = self.fresh_data_dir()
        with Server(data, "--smtp", self.sink.url, "--access-log", "false") as a, \
                Server(data, "--smtp", self.sink.url, "--access-log", "false") as b:
            browser = Browser()
            params, _, _, mail = self.send_email(a, self.sink, browser, client_id, "finn@example.com")
            self.assert_code_response(browser.get(b, path_of(mail.link)), params)
            self.assertEqual(browser.get(a, path_of(mail.link)).status, 400)

    def test_mail_server_down(self):
        data, client_id = self.fresh_data_dir()
        closed = refused_port()
        self.addCleanup(closed.close)
        with Server(data, "--smtp", f"smtp://127.0.0.1:{closed.getsockname()[1]}", "--access-log", "false") as server:
            browser = Browser()
            _, form = self.open_login(server, browser, client_id)
            r = browser.submit(server, form, email="gus@example.com")
            self.assertEqual(r.status, 503, r.text)
            self.assertIn("could not send", r.text)
            # The page still carries the transaction: the code form and the "send again" form.
            self.assertTrue(r.form("/login/passwordless/resend")["fields"]["tx"])
            self.assertTrue(r.form("/login/passwordless/verify")["fields"]["tx"])
            wait_until(lambda: any("passwordless email not sent" in line for line in server.drain_log()),
                       what="the delivery failure on the log")

    def test_send_again_after_a_failed_delivery(self):
        # The 503 page offers "Send a new email"; nothing was delivered, so no cool-down applies:
        # the server tries again (and, the mail server still being down, says so again).
        data, client_id = self.fresh_data_dir()
        closed = refused_port()
        self.addCleanup(closed.close)
        with Server(data, "--smtp", f"smtp://127.0.0.1:{closed.getsockname()[1]}", "--access-log", "false") as server:
            browser = Browser()
            _, form = self.open_login(server, browser, client_id)
            failed = browser.submit(server, form, email="gus@example.com")
            self.assertEqual(failed.status, 503, failed.text)
            resend = failed.form("/login/passwordless/resend")
            r = browser.submit(server, resend)
            self.assertEqual((r.status, r.alert()), (503, "We could not send the email to gus@example.com. "
                                                         "Try again in a moment."))
            # ... and the code page does not claim that an email went out.
            page = browser.get(server, "/login/passwordless?tx=" + urllib.parse.quote(resend["fields"]["tx"]))
            self.assertEqual(page.status, 200)
            self.assertNotIn("We sent", page.text)

    def test_smtp_log_prints_the_code_to_stdout(self):
        data, client_id = self.fresh_data_dir()
        out_path = os.path.join(self.tmp, "stdout.txt")
        with open(out_path, "wb") as out, Server(data, "--smtp", "log", "--access-log", "false", stdout=out) as server:
            browser = Browser()
            params, form = self.open_login(server, browser, client_id)
            r = browser.submit(server, form, email="hal@example.com")
            self.assertEqual(r.status, 303, r.text)

            def printed_code():
                with open(out_path) as f:
                    m = re.search(r"Your verification code is: (\d{6})", f.read())
                return m.group(1) if m else None
            code = wait_until(printed_code, timeout=10, what="the code on stdout")
            with open(out_path) as f:
                text = f.read()
            self.assertIn("To: hal@example.com", text)
            self.assertIn(ISSUER + "/login/magic?token=", text)
            page = browser.get(server, r.location)
            self.assert_code_response(browser.submit(server, page.form("/login/passwordless/verify"), code=code), params)
            # The development mailer is announced on the log.
            self.assertTrue(any("--smtp log" in line for line in server.drain_log()))


class PasswordlessTypeTest(PasswordlessCase):
    """--passwordless-type OTP (a code only) and LINK (a link only)."""

    def test_otp_only_and_link_only(self):
        sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(sink.stop)
        data, client_id = self.fresh_data_dir()
        with Server(data, "--smtp", sink.url, "--passwordless-type", "OTP", "--access-log", "false") as server:
            browser = Browser()
            params, page, form, mail = self.send_email(server, sink, browser, client_id, "kim@example.com")
            self.assertIsNone(mail.link, mail.text)
            self.assertNotIn("/login/magic", mail.html)
            self.assert_code_response(browser.submit(server, form, code=mail.code), params)
        with Server(data, "--smtp", sink.url, "--passwordless-type", "LINK", "--access-log", "false") as server:
            browser = Browser()
            params, form = self.open_login(server, browser, client_id)
            before = sink.count()
            r = browser.submit(server, form, email="lee@example.com")
            self.assertEqual(r.status, 303, r.text)
            mail = Mail(*sink.wait_for("lee@example.com", after=before)[1:])
            self.assertIsNone(mail.code, mail.text)
            page = browser.get(server, r.location)
            self.assertEqual(page.status, 200)
            self.assertEqual([f for f in Forms(page.text).forms if f["action"] == "/login/passwordless/verify"], [])
            # A code posted anyway is refused; the link signs in.
            resend = page.form("/login/passwordless/resend")
            r = browser.post(server, "/login/passwordless/verify", dict(resend["fields"], code="123456"))
            self.assertEqual(r.status, 400, r.text)
            self.assert_code_response(browser.get(server, path_of(mail.link)), params)


class LogHygieneTest(PasswordlessCase):
    def test_no_secret_reaches_the_log(self):
        sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(sink.stop)
        data, client_id = self.fresh_data_dir()
        secrets = {}
        server = Server(data, "--smtp", sink.url, "--log-level", "debug", "--access-log", "true")
        with server:
            # The code flow.
            browser = Browser()
            params, _, form, mail = self.send_email(server, sink, browser, client_id, "ivy@example.com")
            secrets["the emailed code"] = mail.code
            secrets["the emailed link token"] = mail.link_token
            r = browser.submit(server, form, code=mail.code)
            secrets["the authorization code (code flow)"] = self.assert_code_response(r, params)
            secrets["the session cookie"] = browser.cookies["gh_session"]
            secrets["the CSRF cookie"] = browser.cookies["gh_csrf"]
            # The link, confirmed in another browser.
            params, _, form, mail = self.send_email(server, sink, Browser(), client_id, "ivy@example.com")
            secrets["the second emailed code"] = mail.code
            secrets["the second link token"] = mail.link_token
            device = Browser()
            confirm = device.get(server, path_of(mail.link)).form("/login/magic")
            r = device.submit(server, confirm)
            secrets["the authorization code (link)"] = self.assert_code_response(r, params)
            secrets["the second session cookie"] = device.cookies["gh_session"]
            # A wrong code, and a session reused by prompt=none.
            params, _, form, mail = self.send_email(server, sink, Browser(), client_id, "jay@example.com")
            secrets["a code that was typed wrong"] = mail.code
            browser.submit(server, form, code=f"{(int(mail.code) + 1) % 1000000:06d}")
            params, r = self.authorize(server, browser, client_id, prompt="none")
            secrets["the authorization code (prompt=none)"] = self.assert_code_response(r, params)
            self.assertEqual(server.terminate(), 0)
        log = "\n".join(server.log_lines)
        self.assertIn("passwordless email sent", log)  # the log was captured at all
        self.assertIn("/login/magic", log)  # ... with the access log
        for what, value in secrets.items():
            self.assertTrue(value and len(value) >= 6, what)
            # A 6-digit code counts when it stands alone, not inside a longer id or number.
            pattern = r"(?<![A-Za-z0-9])" + re.escape(value) + r"(?![A-Za-z0-9])" if value.isdigit() else re.escape(value)
            found = re.search(pattern, log)
            self.assertIsNone(found, f"{what} appears in the server log: ...{log[max(0, found.start() - 200):found.end() + 50] if found else ''}")


if __name__ == "__main__":
    unittest.main()
