"""The token endpoint and the endpoints that take its tokens (userinfo, introspection, revocation,
logout) against bad input, over plain HTTP: the real server, a real SMTP server and the
hand-rolled browser of passwordless_support (sign-in by the emailed code, redirects never followed).
tests/browser/tokens.test.mjs has the journey with a certified relying party (openid-client).

Covered: bodies that are not a form, repeated parameters, a body over the transport's limit;
unknown and missing grant types; client authentication (wrong secret and unknown client alike,
Basic and body together, a stray Bearer header ignored); codes presented by another client, with
another redirect URI, without or with a wrong PKCE verifier; tokens forged in every usual way (cut,
payload changed, alg none, HS256 keyed with the public key, another key under the same kid, an ID
token as an access token) at userinfo and introspection (expiry is tested with an injected clock in
src/oauth/token_test.cc, not here with real time); no-store on every answer;
refused logouts; and that no secret, code or token reaches the server's log.

Forgeries are built here with the standard library (hmac, base64, json) and Debian's
python3-cryptography; nothing is verified with the server's own code.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from harness import Server, raw_exchange, run_cli
from passwordless_support import (ISSUER, REDIRECT, VERIFIER, Browser, PasswordlessCase,
                                  SharedServer, SmtpSink)

REDIRECT_2 = "https://app.example.com/other-callback"  # also registered for the application
POST_LOGOUT = "https://app.example.com/signed-out"
FORM = "application/x-www-form-urlencoded"
FULL_SCOPE = "openid profile email offline_access"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    """(header, payload, signature) of a compact JWS, decoded without any check."""
    header, payload, signature = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(payload)), signature


def compact(header, payload):
    """The signing input of a JWS with these header and payload objects."""
    return (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
            + b64url(json.dumps(payload, separators=(",", ":")).encode()))


def altered(secret):
    """`secret` with its first character changed."""
    return ("A" if secret[0] != "A" else "B") + secret[1:]


def basic(client_id, secret):
    """RFC 6749 §2.3.1: each part form-urlencoded, then base64."""
    raw = urllib.parse.quote(client_id, safe="") + ":" + urllib.parse.quote(secret, safe="")
    return "Basic " + base64.b64encode(raw.encode()).decode()


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lowercased names
        self.body = body
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"{self.status} {self.headers.get('content-type')} {self.body[:400]!r}"


def call(server, method, path, body=None, headers=None):
    """One request on a new connection; never raises on HTTP errors."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        answer = Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()
    server.drain_log()  # keeps the server's stderr pipe from filling up
    return answer


def post_form(server, path, fields, headers=None, content_type=FORM):
    """POSTs `fields` (a dict, or a list of pairs to repeat a name) form-encoded."""
    h = {"Content-Type": content_type} if content_type else {}
    h.update(headers or {})
    return call(server, "POST", path, urllib.parse.urlencode(fields), h)


class TokenCase(PasswordlessCase):
    """Helpers over one server: sign-ins, token requests and their checks."""

    @staticmethod
    def make_clients(data):
        """The application (two redirect URIs, a post-logout URI), another application, and a
        machine client with two scopes; each {"id", "secret"}."""
        def create(*args):
            out = run_cli("client", "create", "--data", data, *args)[1]
            return {"id": out.get("client_id") or out.get("id"), "secret": out.get("client_secret") or out.get("secret")}
        return (create("--name", "Token App", "--redirect-uri", REDIRECT, "--redirect-uri", REDIRECT_2,
                       "--post-logout-redirect-uri", POST_LOGOUT),
                create("--name", "Other App", "--redirect-uri", REDIRECT, "--redirect-uri", REDIRECT_2),
                create("--name", "Sync", "--scope", "read:things", "--scope", "write:things"))

    def address(self):
        return f"{self._testMethodName.replace('_', '-')}-{os.urandom(3).hex()}@example.com"

    def sign_in(self, server, sink, client, scope=FULL_SCOPE, browser=None, **extra):
        """A sign-in by the emailed code; returns (browser, authorization code)."""
        browser = browser or Browser()
        params, _, form, mail = self.send_email(server, sink, browser, client["id"], self.address(), scope=scope, **extra)
        return browser, self.assert_code_response(browser.submit(server, form, code=mail.code), params)

    def exchange(self, server, client, code, **override):
        """The code grant with client_secret_post; `override` replaces fields (None drops one)."""
        fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER,
                  "client_id": client["id"], "client_secret": client["secret"]}
        fields.update(override)
        return post_form(server, "/oauth/token", {k: v for k, v in fields.items() if v is not None})

    def tokens(self, server, sink, client, scope=FULL_SCOPE):
        """Signs in and exchanges the code; returns (the token response JSON, the browser)."""
        browser, code = self.sign_in(server, sink, client, scope=scope)
        r = self.exchange(server, client, code)
        self.assertEqual(r.status, 200, r)
        return r.json, browser

    def client_credentials(self, server, client, **extra):
        fields = {"grant_type": "client_credentials", "client_id": client["id"], "client_secret": client["secret"]}
        fields.update(extra)
        return post_form(server, "/oauth/token", fields)

    def assert_no_store(self, r):
        self.assertIn("no-store", r.headers.get("cache-control", ""), r)
        self.assertIn("no-cache", r.headers.get("pragma", ""), r)

    def assert_error(self, r, status, error):
        """An RFC 6749 §5.2 error: the status, JSON {"error", ...}, never cached."""
        self.assertEqual(r.status, status, r)
        self.assertIsNotNone(r.json, r)
        self.assertEqual(r.json.get("error"), error, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"), r)
        self.assertNotIn("access_token", r.json)
        self.assert_no_store(r)

    def assert_success(self, r):
        self.assertEqual(r.status, 200, r)
        self.assert_no_store(r)
        self.assertEqual(r.json["token_type"], "Bearer")
        self.assertIsInstance(r.json["expires_in"], int)
        self.assertIsInstance(r.json["access_token"], str)
        self.assertIsInstance(r.json["scope"], str)
        return r.json

    def userinfo(self, server, token, method="GET"):
        return call(server, method, "/userinfo", headers={"Authorization": f"Bearer {token}"})

    def introspect(self, server, client, token):
        return post_form(server, "/oauth/introspect",
                         {"token": token, "client_id": client["id"], "client_secret": client["secret"]})

    def assert_invalid_token(self, r):
        self.assertEqual(r.status, 401, r)
        self.assertRegex(r.headers.get("www-authenticate", ""), r'^Bearer\b.*\berror="invalid_token"')

    def assert_inactive(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"active": False})


class TokenEndpointTest(SharedServer, TokenCase):
    """Everything against one server (each test signs in with its own address)."""

    tmp_prefix = "gh-token-"

    @classmethod
    def prepare_data(cls, data):
        run_cli("init", "--data", data, "--issuer", ISSUER)
        cls.app, cls.other, cls.machine = cls.make_clients(data)

    def machine_form(self):
        return {"grant_type": "client_credentials", "client_id": self.machine["id"],
                "client_secret": self.machine["secret"]}

    # ---- the request's shape

    def test_only_a_form_body(self):
        fields = self.machine_form()
        r = call(self.server, "POST", "/oauth/token", json.dumps(fields), {"Content-Type": "application/json"})
        self.assert_error(r, 400, "invalid_request")
        boundary = "gh-test-boundary"
        multipart = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                            for k, v in fields.items()) + f"--{boundary}--\r\n"
        r = call(self.server, "POST", "/oauth/token", multipart,
                 {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assert_error(r, 400, "invalid_request")
        # A form without its content type, or with another one.
        self.assert_error(post_form(self.server, "/oauth/token", fields, content_type=None), 400, "invalid_request")
        self.assert_error(post_form(self.server, "/oauth/token", fields, content_type="text/plain"), 400,
                          "invalid_request")
        # Parameters in the query string are not the body.
        r = call(self.server, "POST", "/oauth/token?" + urllib.parse.urlencode(fields), b"", {"Content-Type": FORM})
        self.assertIn(r.status, (400, 401), r)
        self.assertNotIn("access_token", r.json or {})
        # The form media type with a charset parameter (fetch() and openid-client send it) is a form.
        for content_type in (FORM, FORM + "; charset=UTF-8", FORM + ";charset=UTF-8"):
            self.assert_success(post_form(self.server, "/oauth/token", fields, content_type=content_type))

    def test_repeated_parameters(self):
        fields = self.machine_form()
        for name in ("grant_type", "client_id", "client_secret"):
            pairs = list(fields.items()) + [(name, fields[name])]
            self.assert_error(post_form(self.server, "/oauth/token", pairs), 400, "invalid_request")
        pairs = list(fields.items()) + [("scope", "read:things"), ("scope", "write:things")]
        self.assert_error(post_form(self.server, "/oauth/token", pairs), 400, "invalid_request")

    def test_body_over_the_limit(self):
        body = ("grant_type=client_credentials&padding=" + "x" * (1 << 20)).encode()
        resp = raw_exchange(self.server.port, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM.encode()
                            + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        self.assertTrue(resp.startswith(b"HTTP/1.1 413 "), resp[:200])
        self.assertIsNone(self.server.proc.poll(), "server died")
        self.assertEqual(self.server.get("/healthz")[0], 200)
        self.assert_success(self.client_credentials(self.server, self.machine))

    def test_grant_type(self):
        fields = self.machine_form()
        for grant in ("password", "urn:ietf:params:oauth:grant-type:jwt-bearer", "implicit", "x"):
            self.assert_error(post_form(self.server, "/oauth/token", dict(fields, grant_type=grant)), 400,
                              "unsupported_grant_type")
        del fields["grant_type"]
        self.assert_error(post_form(self.server, "/oauth/token", fields), 400, "invalid_request")

    # ---- client authentication

    def test_wrong_secret_and_unknown_client_look_the_same(self):
        wrong = self.client_credentials(self.server, dict(self.machine, secret=altered(self.machine["secret"])))
        unknown = self.client_credentials(self.server, {"id": "skc_doesnotexist00000000", "secret": self.machine["secret"]})
        self.assert_error(wrong, 401, "invalid_client")
        self.assert_error(unknown, 401, "invalid_client")
        self.assertEqual(wrong.json, unknown.json)
        # A client_id without its secret.
        r = post_form(self.server, "/oauth/token", {"grant_type": "client_credentials", "client_id": self.machine["id"]})
        self.assert_error(r, 401, "invalid_client")
        # The same by HTTP Basic, which the answer's challenge names.
        answers = []
        for client_id, secret in ((self.machine["id"], "wrong-secret"), ("skc_doesnotexist00000000", "wrong-secret")):
            r = post_form(self.server, "/oauth/token", {"grant_type": "client_credentials"},
                          headers={"Authorization": basic(client_id, secret)})
            self.assert_error(r, 401, "invalid_client")
            self.assertRegex(r.headers.get("www-authenticate", ""), r"^Basic\b")
            answers.append(r.json)
        self.assertEqual(answers[0], answers[1])

    def test_no_client_authentication_is_invalid_client(self):
        # RFC 6749 §5.2: invalid_client is "Client authentication failed (e.g., unknown client, no
        # client authentication included, or unsupported authentication method)", with 401.
        tokens, _ = self.tokens(self.server, self.sink, self.app)
        self.assert_error(post_form(self.server, "/oauth/token", {"grant_type": "client_credentials"}), 401,
                          "invalid_client")
        for path in ("/oauth/introspect", "/oauth/revoke"):
            with self.subTest(path):
                self.assert_error(post_form(self.server, path, {"token": tokens["access_token"]}), 401, "invalid_client")
        self.assertEqual(self.userinfo(self.server, tokens["access_token"]).status, 200, "nothing was revoked")

    def test_basic_works_alone_and_not_with_body_credentials(self):
        auth = {"Authorization": basic(self.machine["id"], self.machine["secret"])}
        self.assert_success(post_form(self.server, "/oauth/token", {"grant_type": "client_credentials"}, headers=auth))
        r = post_form(self.server, "/oauth/token", self.machine_form(), headers=auth)
        self.assert_error(r, 400, "invalid_request")

    def test_a_stray_bearer_header_is_ignored(self):
        # The Go and Python SDKs send their old management token along (wire/scalekit-compat.md §(b)).
        r = post_form(self.server, "/oauth/token", self.machine_form(), headers={"Authorization": "Bearer x"})
        self.assert_success(r)

    def test_client_credentials_scope(self):
        body = self.assert_success(self.client_credentials(self.server, self.machine, scope="read:things"))
        self.assertEqual(body["scope"], "read:things")
        self.assertNotIn("refresh_token", body)
        self.assertNotIn("id_token", body)
        body = self.assert_success(self.client_credentials(self.server, self.machine))
        self.assertEqual(sorted(body["scope"].split()), ["read:things", "write:things"])
        for scope in ("delete:things", "read:things delete:things"):
            self.assert_error(self.client_credentials(self.server, self.machine, scope=scope), 400, "invalid_scope")

    # ---- the code grant

    def test_token_response(self):
        _, code = self.sign_in(self.server, self.sink, self.app)
        body = self.assert_success(self.exchange(self.server, self.app, code))
        self.assertEqual(sorted(body["scope"].split()), sorted(FULL_SCOPE.split()))
        self.assertIsInstance(body["id_token"], str)
        self.assertIsInstance(body["refresh_token"], str)
        # Without offline_access: no refresh token.
        _, code = self.sign_in(self.server, self.sink, self.app, scope="openid email")
        body = self.assert_success(self.exchange(self.server, self.app, code))
        self.assertIn("id_token", body)
        self.assertNotIn("refresh_token", body)

    def test_code_checks(self):
        cases = {
            "another client": dict(client_id=self.other["id"], client_secret=self.other["secret"]),
            "another redirect_uri": dict(redirect_uri=REDIRECT_2),
            "no code_verifier": dict(code_verifier=None),
            "a wrong code_verifier": dict(code_verifier=VERIFIER[::-1]),
        }
        for what, override in cases.items():
            with self.subTest(what):
                _, code = self.sign_in(self.server, self.sink, self.app)
                self.assert_error(self.exchange(self.server, self.app, code, **override), 400, "invalid_grant")
        self.assert_error(self.exchange(self.server, self.app, "A" * 43), 400, "invalid_grant")
        self.assert_error(self.exchange(self.server, self.app, None), 400, "invalid_request")

    def test_a_code_used_twice_revokes_what_it_gave(self):
        _, code = self.sign_in(self.server, self.sink, self.app)
        first = self.assert_success(self.exchange(self.server, self.app, code))
        self.assertEqual(self.userinfo(self.server, first["access_token"]).status, 200)
        self.assert_error(self.exchange(self.server, self.app, code), 400, "invalid_grant")
        self.assert_invalid_token(self.userinfo(self.server, first["access_token"]))
        self.assert_inactive(self.introspect(self.server, self.app, first["access_token"]))
        r = post_form(self.server, "/oauth/token", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
                                                    "client_id": self.app["id"], "client_secret": self.app["secret"]})
        self.assert_error(r, 400, "invalid_grant")

    # ---- refresh

    def refresh(self, client, token):
        return post_form(self.server, "/oauth/token", {"grant_type": "refresh_token", "refresh_token": token,
                                                       "client_id": client["id"], "client_secret": client["secret"]})

    def test_refresh_retry_within_the_grace(self):
        tokens, _ = self.tokens(self.server, self.sink, self.app)
        second = self.assert_success(self.refresh(self.app, tokens["refresh_token"]))
        self.assertNotEqual(second["refresh_token"], tokens["refresh_token"])
        self.assertIn("id_token", second)
        # The default grace is 10 s: a client that lost the answer may ask again.
        retried = self.assert_success(self.refresh(self.app, tokens["refresh_token"]))
        self.assertNotEqual(retried["refresh_token"], tokens["refresh_token"])
        self.assert_success(self.refresh(self.app, second["refresh_token"]))

    def test_refresh_token_of_another_client(self):
        tokens, _ = self.tokens(self.server, self.sink, self.app)
        self.assert_error(self.refresh(self.other, tokens["refresh_token"]), 400, "invalid_grant")
        self.assert_error(self.refresh(self.app, "A" * 43), 400, "invalid_grant")

    # ---- userinfo and introspection

    def test_userinfo_by_scope_and_method(self):
        tokens, _ = self.tokens(self.server, self.sink, self.app)
        sub = jwt_parts(tokens["id_token"])[1]["sub"]
        for method in ("GET", "POST"):
            r = self.userinfo(self.server, tokens["access_token"], method)
            self.assertEqual(r.status, 200, r)
            self.assertIn("no-store", r.headers.get("cache-control", ""))
            self.assertEqual(r.json["sub"], sub)
            self.assertTrue(r.json["email"].endswith("@example.com"))
            self.assertIs(r.json["email_verified"], True)
        narrow, _ = self.tokens(self.server, self.sink, self.app, scope="openid")
        r = self.userinfo(self.server, narrow["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("email", r.json)
        self.assertNotIn("email_verified", r.json)
        self.assertNotIn("name", r.json)
        # No token at all.
        r = call(self.server, "GET", "/userinfo")
        self.assertEqual(r.status, 401, r)
        self.assertRegex(r.headers.get("www-authenticate", ""), r"^Bearer\b")
        self.assert_invalid_token(call(self.server, "GET", "/userinfo", headers={"Authorization": "Bearer "}))

    def forgeries(self, access_token, id_token):
        """{what: token} for every forgery of `access_token` (signed by the server's RS256 key)."""
        header, payload, signature = jwt_parts(access_token)
        kid = header["kid"]
        jwk = [k for k in self.server.get_json("/keys")["keys"] if k["kid"] == kid][0]
        public = rsa.RSAPublicNumbers(int.from_bytes(unb64url(jwk["e"]), "big"),
                                      int.from_bytes(unb64url(jwk["n"]), "big")).public_key()
        h_p = access_token.rsplit(".", 1)[0]
        changed = dict(payload, sub="usr_" + "a" * 20, exp=payload["exp"] + 3600)
        out = {
            "cut short": access_token[:-8],
            "without its signature": h_p + ".",
            "two parts": h_p,
            "payload changed": compact(header, changed) + "." + signature,
            "alg none": compact(dict(header, alg="none"), changed) + ".",
            "alg None, signature kept": compact(dict(header, alg="None"), payload) + "." + signature,
            "the ID token": id_token,
            "not a JWT": "x" * 43,
        }
        # HS256 keyed with what is public about the key (the classic algorithm confusion).
        public_keys = {
            "PEM": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            "PKCS#1 PEM": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
            "DER": public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
            "JWK": json.dumps(jwk, separators=(",", ":")).encode(),
            "n": unb64url(jwk["n"]),
        }
        for name, key in public_keys.items():
            signing_input = compact(dict(header, alg="HS256"), payload)
            mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
            out[f"HS256 keyed with the public key ({name})"] = signing_input + "." + b64url(mac)
        # Another RSA key, same kid.
        foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signing_input = compact(header, payload)
        sig = foreign.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        out["another key under the same kid"] = signing_input + "." + b64url(sig)
        return out

    def test_forged_tokens_are_refused(self):
        tokens, _ = self.tokens(self.server, self.sink, self.app)
        # The genuine token works: whatever fails below fails for the forgery.
        self.assertEqual(self.userinfo(self.server, tokens["access_token"]).status, 200)
        r = self.introspect(self.server, self.app, tokens["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json["active"], True)
        self.assertIn("no-store", r.headers.get("cache-control", ""))
        for what, token in self.forgeries(tokens["access_token"], tokens["id_token"]).items():
            with self.subTest(what):
                self.assert_invalid_token(self.userinfo(self.server, token))
                self.assert_inactive(self.introspect(self.server, self.app, token))
        self.assertIsNone(self.server.proc.poll(), "server died")

    def test_introspection_and_revocation_need_the_client(self):
        tokens, _ = self.tokens(self.server, self.sink, self.app)
        for path in ("/oauth/introspect", "/oauth/revoke"):
            with self.subTest(path):
                r = post_form(self.server, path, {"token": tokens["access_token"], "client_id": self.app["id"],
                                                  "client_secret": "wrong"})
                self.assert_error(r, 401, "invalid_client")
                r = post_form(self.server, path, {"client_id": self.app["id"], "client_secret": self.app["secret"]})
                self.assert_error(r, 400, "invalid_request")
        self.assertEqual(self.userinfo(self.server, tokens["access_token"]).status, 200, "nothing was revoked")
        # A token the server does not know: 200 (RFC 7009 §2.2).
        r = post_form(self.server, "/oauth/revoke", {"token": "x" * 43, "client_id": self.app["id"],
                                                      "client_secret": self.app["secret"]})
        self.assertEqual(r.status, 200, r)

    # ---- logout

    def logout(self, browser, **params):
        return browser.get(self.server, "/oidc/logout" + ("?" + urllib.parse.urlencode(params) if params else ""))

    def silent(self, browser):
        """prompt=none in `browser`: the authorization response's parameters."""
        _, r = self.authorize(self.server, browser, self.app["id"], prompt="none")
        return r.redirect_params()

    def test_logout_to_an_unregistered_uri_is_refused(self):
        tokens, browser = self.tokens(self.server, self.sink, self.app)
        for uri in ("https://evil.example/out", POST_LOGOUT + "/", POST_LOGOUT + "?x=1", REDIRECT):
            with self.subTest(uri):
                r = self.logout(browser, id_token_hint=tokens["id_token"], post_logout_redirect_uri=uri, state="s")
                self.assertEqual(r.status, 400, r.text)
                self.assertIsNone(r.location)
                self.assertTrue(r.header("content-type").startswith("text/html"), r.header("content-type"))
        self.assertIn("code", self.silent(browser), "a refused logout ends nothing")

    def test_logout_without_a_hint_or_a_uri(self):
        # The Node SDK sends neither client_id nor id_token_hint: the URI must be some client's.
        _, browser = self.tokens(self.server, self.sink, self.app)
        r = self.logout(browser, post_logout_redirect_uri=POST_LOGOUT, state="st-1")
        self.assertEqual(r.status, 302, r.text)
        self.assertEqual(r.location, POST_LOGOUT + "?state=st-1")
        self.assertNotIn("gh_session", browser.cookies)
        self.assertEqual(self.silent(browser).get("error"), "login_required")
        # Without any parameter: the signed-out page.
        _, browser = self.tokens(self.server, self.sink, self.app)
        r = self.logout(browser)
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(r.header("content-type").startswith("text/html"))
        self.assertIsNone(r.location)
        self.assertNotIn("gh_session", browser.cookies)
        self.assertEqual(self.silent(browser).get("error"), "login_required")


class LogHygieneTest(TokenCase):
    def test_no_secret_code_or_token_reaches_the_log(self):
        sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(sink.stop)
        data = os.path.join(self.tmp, "data")
        run_cli("init", "--data", data, "--issuer", ISSUER)
        app, _, machine = self.make_clients(data)
        secrets = {"the application's secret": app["secret"], "the machine client's secret": machine["secret"]}
        server = Server(data, "--smtp", sink.url, "--log-level", "debug", "--access-log", "true")
        with server:
            browser, code = self.sign_in(server, sink, app)
            secrets["the authorization code"] = code
            tokens = self.assert_success(self.exchange(server, app, code))
            self.assert_error(self.exchange(server, app, code), 400, "invalid_grant")  # reuse is logged, the code not
            _, code = self.sign_in(server, sink, app)
            secrets["a code presented with a wrong verifier"] = code
            self.exchange(server, app, code, code_verifier=VERIFIER[::-1])
            tokens, browser = self.tokens(server, sink, app)
            secrets.update({"the access token": tokens["access_token"], "the ID token": tokens["id_token"],
                            "the refresh token": tokens["refresh_token"]})
            refreshed = self.assert_success(post_form(server, "/oauth/token", {
                "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                "client_id": app["id"], "client_secret": app["secret"]}))
            secrets.update({"the refreshed access token": refreshed["access_token"],
                            "the rotated refresh token": refreshed["refresh_token"]})
            self.assertEqual(self.userinfo(server, refreshed["access_token"]).status, 200)
            self.introspect(server, app, refreshed["access_token"])
            machine_token = self.assert_success(self.client_credentials(server, machine))["access_token"]
            secrets["the machine token"] = machine_token
            post_form(server, "/oauth/token", {"grant_type": "client_credentials"},
                      headers={"Authorization": basic(machine["id"], machine["secret"])})
            wrong = altered(machine["secret"])
            secrets["a wrong secret"] = wrong
            self.client_credentials(server, dict(machine, secret=wrong))
            post_form(server, "/oauth/revoke", {"token": machine_token, "client_id": machine["id"],
                                                "client_secret": machine["secret"]})
            r = browser.get(server, "/oidc/logout?" + urllib.parse.urlencode(
                {"id_token_hint": refreshed.get("id_token", tokens["id_token"]), "post_logout_redirect_uri": POST_LOGOUT}))
            self.assertEqual(r.status, 302, r.text)
            secrets["the refreshed ID token"] = refreshed.get("id_token", tokens["id_token"])
            self.assertEqual(server.terminate(), 0)
        log = "\n".join(server.log_lines)
        self.assertIn("/oauth/token", log)  # the access log was captured at all
        for what, value in secrets.items():
            self.assertTrue(value and len(value) >= 16, what)
            needles = [value]
            if value.count(".") == 2:
                needles.append(value.rsplit(".", 1)[1])  # a JWT's signature alone is as good as the JWT
            for needle in needles:
                found = re.search(re.escape(needle), log)
                self.assertIsNone(found, f"{what} appears in the server log: "
                                         f"...{log[max(0, found.start() - 200):found.end() + 50] if found else ''}")


if __name__ == "__main__":
    unittest.main()
