"""Shared by the passwordless end-to-end suites (test_passwordless.py, test_passwordless_limits.py):
a real SMTP server (tests/support/smtp_sink.py) the tests read, a hand-rolled browser (http.client,
a cookie jar kept by hand, redirects never followed), HTML form parsing, and a test case that
starts servers with a sink.
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


class SharedServer:
    """setUpClass/tearDownClass for a suite that shares one server (generous limits) and one SMTP
    sink: `prepare_data(data)` (a classmethod) readies the data directory first."""

    tmp_prefix = "gh-shared-"

    @classmethod
    def setUpClass(cls):
        cls.cls_tmp = tempfile.mkdtemp(prefix=cls.tmp_prefix)
        cls.cls_data = os.path.join(cls.cls_tmp, "data")
        cls.prepare_data(cls.cls_data)
        cls.sink = SmtpSink(os.path.join(cls.cls_tmp, "mail"))
        try:
            cls.server = Server(cls.cls_data, "--smtp", cls.sink.url, "--access-log", "false", *NO_LIMITS).start()
        except BaseException:
            cls.sink.stop()
            shutil.rmtree(cls.cls_tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls.sink.stop()
        shutil.rmtree(cls.cls_tmp, ignore_errors=True)
