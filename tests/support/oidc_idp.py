#!/usr/bin/python3
"""A programmable fake upstream identity provider (OIDC and GitHub-shaped OAuth 2.0) for tests.

Usage:
  /usr/bin/python3 tests/support/oidc_idp.py [--client-id ID] [--client-secret SECRET]

Protocol (tests/support/process.h): listens on 127.0.0.1 on a port it picks, prints {"port": N}
as its first stdout line when ready, exits 0 on SIGTERM. Nothing else goes to stdout.

Routes (BASE = http://127.0.0.1:PORT):
  {issuer_path}/.well-known/openid-configuration
                         issuer = BASE + issuer_path (or BASE/{tenantid}/v2.0 with ms_tenant set)
  /jwks                  the public keys (RSA and EC, generated at start; rotation adds one)
  /authorize             records the query, answers 302 to redirect_uri with code & state (or
                         error=access_denied when "cancel" is set); the body is the same as JSON
                         {"location", "code", "state"} since the test's client does not see headers
  /token                 authorization_code grant: checks grant_type, code (single use),
                         redirect_uri, the PKCE S256 code_verifier and client authentication
                         ("basic" or "post", per client_auth); answers per token_mode
  /userinfo              Bearer access token; per userinfo_mode
  /login/oauth/authorize, /login/oauth/access_token, /user, /user/emails
                         GitHub-shaped, per github_token_mode / github_user_mode / github_emails
  POST /_control         a JSON object merged into the knobs below; {"rotate": true} adds a new
                         EC key to the JWKS and signs with it from then on
  GET /_state            {"counts": {route: n}, "last_authorize": {...}, "last_token": {...},
                         "last_api_headers": {...}}

Knobs (defaults first): token_mode ok | bad_signature | unknown_kid | wrong_nonce | wrong_aud |
wrong_iss | expired | no_iat | multi_aud | multi_aud_azp | alg_none | hs256 | hang | garbage |
error_400 | status_500 | oversized | no_id_token; client_auth basic | post; iat (integer, default
now); omit_claims []; extra_claims {}; userinfo_mode ok | fail | wrong_sub; userinfo_extra {};
issuer_path "";
ms_tenant null; cancel false; github_token_mode ok | error; github_user_mode ok | fail | no_name;
github_emails normal | primary_unverified | fail.
"""

import argparse
import base64
import hashlib
import http.server
import json
import secrets
import signal
import sys
import threading
import time
import urllib.parse

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

STOPPING = threading.Event()
LOCK = threading.Lock()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key(kind, kid):
    if kind == "RSA":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        alg = "RS256"
    else:
        private = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
        alg = "ES256"
    jwk.update({"kid": kid, "use": "sig", "alg": alg})
    return {"kid": kid, "alg": alg, "private": private, "jwk": jwk}


class State:
    def __init__(self, client_id, client_secret):
        self.knobs = {
            "token_mode": "ok", "client_auth": "basic", "iat": None, "omit_claims": [], "extra_claims": {},
            "userinfo_mode": "ok", "userinfo_extra": {}, "issuer_path": "", "ms_tenant": None, "cancel": False,
            "github_token_mode": "ok", "github_user_mode": "ok", "github_emails": "normal",
            "client_id": client_id, "client_secret": client_secret,
        }
        self.keys = [new_key("RSA", "rsa-1"), new_key("EC", "ec-1")]
        self.signing = self.keys[0]
        self.spare = new_key("RSA", "spare")  # never published
        self.codes = {}  # code -> what /authorize recorded
        self.access_tokens = set()
        self.counts = {}
        self.last = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main()

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):
        self._route(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self.rfile.read(length) if length > 0 else b"")

    # --- plumbing -------------------------------------------------------------------------------

    def _base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def _send(self, code, content_type, data, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, code, value, headers=()):
        self._send(code, "application/json", json.dumps(value).encode(), headers)

    def _count(self, name):
        with LOCK:
            self.state.counts[name] = self.state.counts.get(name, 0) + 1

    def _bearer(self):
        auth = self.headers.get("Authorization") or ""
        return auth[7:] if auth.startswith("Bearer ") and auth[7:] in self.state.access_tokens else None

    def _route(self, body):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        form = dict(urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        knobs = self.state.knobs
        routes = {
            knobs["issuer_path"] + "/.well-known/openid-configuration": lambda: self._discovery(),
            "/jwks": lambda: self._jwks(),
            "/authorize": lambda: self._authorize(query),
            "/login/oauth/authorize": lambda: self._authorize(query),
            "/token": lambda: self._token(form),
            "/userinfo": lambda: self._userinfo(),
            "/login/oauth/access_token": lambda: self._github_token(form),
            "/user": lambda: self._github_user(),
            "/user/emails": lambda: self._github_emails(),
            "/_control": lambda: self._control(body),
            "/_state": lambda: self._json(200, {"counts": self.state.counts, **self.state.last}),
        }
        try:
            if url.path in routes:
                self._count(url.path)
                routes[url.path]()
            else:
                self._json(404, {"error": "not_found"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _control(self, body):
        change = json.loads(body or b"{}")
        with LOCK:
            if change.pop("rotate", False):
                key = new_key("EC", "ec-rotated-%d" % len(self.state.keys))
                self.state.keys.append(key)
                self.state.signing = key
            self.state.knobs.update(change)
        self._json(200, {"ok": True})

    def _issuer(self, tenant=None):
        if self.state.knobs["ms_tenant"]:
            return self._base() + "/" + (tenant or "{tenantid}") + "/v2.0"
        return self._base() + self.state.knobs["issuer_path"]

    # --- OIDC -----------------------------------------------------------------------------------

    def _discovery(self):
        base = self._base()
        self._json(200, {
            "issuer": self._issuer(),
            "authorization_endpoint": base + "/authorize?tenant=t1",  # a query to append to
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        })

    def _jwks(self):
        self._json(200, {"keys": [k["jwk"] for k in self.state.keys]})

    def _authorize(self, query):
        self.state.last["last_authorize"] = query
        redirect = query.get("redirect_uri", "")
        if self.state.knobs["cancel"]:
            params = {"error": "access_denied", "error_description": "The user said no", "state": query.get("state")}
            code = None
        else:
            code = secrets.token_urlsafe(24)
            with LOCK:
                self.state.codes[code] = query
            params = {"code": code, "state": query.get("state")}
        location = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(params)
        self._json(302, {"location": location, "code": code, "state": query.get("state")},
                   headers=[("Location", location)])

    def _client_ok(self, form):
        """The client authentication the knobs ask for, and only that one."""
        knobs = self.state.knobs
        auth = self.headers.get("Authorization") or ""
        if knobs["client_auth"] == "post":
            return not auth and form.get("client_id") == knobs["client_id"] and \
                form.get("client_secret") == knobs["client_secret"]
        if not auth.startswith("Basic ") or "client_secret" in form:
            return False
        try:
            user, _, password = base64.b64decode(auth[6:], validate=True).decode().partition(":")
        except ValueError:
            return False
        return urllib.parse.unquote_plus(user) == knobs["client_id"] and \
            urllib.parse.unquote_plus(password) == knobs["client_secret"]

    def _redeem(self, form):
        """The recorded /authorize query for a valid code exchange, or None (answered 400)."""
        with LOCK:
            recorded = self.state.codes.pop(form.get("code", ""), None)
        self.state.last["last_token"] = {"form": form, "authorization": self.headers.get("Authorization"),
                                         "accept": self.headers.get("Accept")}
        verifier = form.get("code_verifier", "")
        if recorded is None or form.get("redirect_uri") != recorded.get("redirect_uri"):
            self._json(400, {"error": "invalid_grant"})
        elif recorded.get("code_challenge_method") != "S256" or \
                b64url(hashlib.sha256(verifier.encode()).digest()) != recorded.get("code_challenge"):
            self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
        else:
            return recorded
        return None

    def _token(self, form):
        knobs = dict(self.state.knobs)
        mode = knobs["token_mode"]
        if mode == "hang":
            STOPPING.wait(60)
            return
        if form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        if not self._client_ok(form):
            return self._json(401, {"error": "invalid_client"})
        recorded = self._redeem(form)
        if recorded is None:
            return
        if mode == "garbage":
            return self._send(200, "application/json", b"<html>not json</html>")
        if mode == "error_400":
            return self._json(400, {"error": "invalid_grant", "error_description": "code expired"})
        if mode == "status_500":
            return self._json(500, {"error": "server_error"})
        if mode == "oversized":
            return self._send(200, "application/json", b'{"pad":"' + b"x" * (2 << 20) + b'"}')
        access_token = secrets.token_urlsafe(24)
        with LOCK:
            self.state.access_tokens.add(access_token)
        answer = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600}
        if mode != "no_id_token":
            answer["id_token"] = self._id_token(knobs, recorded)
        self._json(200, answer)

    def _id_token(self, knobs, recorded):
        iat = knobs["iat"] if knobs["iat"] is not None else int(time.time())
        mode = knobs["token_mode"]
        claims = {
            "iss": self._issuer(knobs["ms_tenant"]), "sub": "user-123", "aud": knobs["client_id"],
            "iat": iat, "exp": iat + 600, "nonce": recorded.get("nonce"),
            "email": "ada@example.com", "email_verified": True, "name": "Ada Lovelace",
            "given_name": "Ada", "family_name": "Lovelace", "groups": ["admins", "devs"],
        }
        if knobs["ms_tenant"]:
            claims["tid"] = knobs["ms_tenant"]
        if mode == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        elif mode == "wrong_aud":
            claims["aud"] = "someone-else"
        elif mode == "wrong_iss":
            claims["iss"] = self._base() + "/elsewhere"
        elif mode == "expired":
            claims["exp"] = iat - 120
        elif mode == "no_iat":
            del claims["iat"]
        elif mode == "multi_aud":
            claims["aud"] = [knobs["client_id"], "other"]
        elif mode == "multi_aud_azp":
            claims["aud"] = [knobs["client_id"], "other"]
            claims["azp"] = knobs["client_id"]
        for name in knobs["omit_claims"]:
            claims.pop(name, None)
        claims.update(knobs["extra_claims"])
        key = self.state.signing
        if mode == "alg_none":
            header = {"alg": "none", "kid": key["kid"], "typ": "JWT"}
            return "%s.%s.%s" % (b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), b64url(b"x"))
        if mode == "hs256":
            return jwt.encode(claims, "secret-known-to-all", algorithm="HS256", headers={"kid": key["kid"]})
        kid = key["kid"]
        if mode == "bad_signature":
            key = self.state.spare  # a key not published, under a kid that is
        elif mode == "unknown_kid":
            key, kid = self.state.spare, "spare"
        return jwt.encode(claims, key["private"], algorithm=key["alg"], headers={"kid": kid})

    def _userinfo(self):
        mode = self.state.knobs["userinfo_mode"]
        if self._bearer() is None or mode == "fail":
            return self._json(401 if mode != "fail" else 500, {"error": "invalid_token"})
        answer = {"sub": "user-123" if mode != "wrong_sub" else "someone-else",
                  "email": "userinfo@example.com", "email_verified": True, "name": "From Userinfo"}
        answer.update(self.state.knobs["userinfo_extra"])
        self._json(200, answer)

    # --- GitHub ---------------------------------------------------------------------------------

    def _github_token(self, form):
        knobs = self.state.knobs
        if knobs["github_token_mode"] == "error" or form.get("client_id") != knobs["client_id"] or \
                form.get("client_secret") != knobs["client_secret"]:
            # GitHub answers errors with 200 too.
            return self._json(200, {"error": "bad_verification_code", "error_description": "The code is wrong."})
        if self._redeem(form) is None:
            return
        access_token = secrets.token_urlsafe(24)
        with LOCK:
            self.state.access_tokens.add(access_token)
        answer = {"access_token": access_token, "token_type": "bearer", "scope": "read:user,user:email"}
        if self.headers.get("Accept") == "application/json":
            self._json(200, answer)
        else:
            self._send(200, "application/x-www-form-urlencoded", urllib.parse.urlencode(answer).encode())

    def _github_api_ok(self):
        self.state.last["last_api_headers"] = {k.lower(): v for k, v in self.headers.items()}
        if self._bearer() is None or self.headers.get("Accept") != "application/vnd.github+json" or \
                not self.headers.get("User-Agent"):
            self._json(401, {"message": "Bad credentials"})
            return False
        return True

    def _github_user(self):
        if not self._github_api_ok():
            return
        mode = self.state.knobs["github_user_mode"]
        if mode == "fail":
            return self._json(502, {"message": "Server Error"})
        self._json(200, {"id": 12345, "login": "octocat", "name": None if mode == "no_name" else "The Octocat",
                         "email": None, "type": "User"})

    def _github_emails(self):
        if not self._github_api_ok():
            return
        mode = self.state.knobs["github_emails"]
        if mode == "fail":
            return self._json(403, {"message": "Resource not accessible"})
        self._json(200, [
            {"email": "other@example.com", "primary": False, "verified": True, "visibility": None},
            {"email": "octo@example.com", "primary": True, "verified": mode != "primary_unverified",
             "visibility": "private"},
        ])


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="fake OIDC/OAuth identity provider (see the docstring)")
    parser.add_argument("--client-id", default="gh-client")
    parser.add_argument("--client-secret", default="s3cret:with/odd chars+%")
    args = parser.parse_args()
    Handler.state = State(args.client_id, args.client_secret)
    server = Server(("127.0.0.1", 0), Handler)
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    signal.sigwait(stop_signals)
    STOPPING.set()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
