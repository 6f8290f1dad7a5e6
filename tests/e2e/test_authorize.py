"""GET /oauth/authorize over HTTP: every error row of the issue, routing, and the transaction."""
import html
import json
import unittest
import urllib.parse
import urllib.request

from harness import GatehouseTestCase, Server, raw_exchange, run_cli

REDIRECT = "https://app.example.com/callback"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class AuthorizeTest(GatehouseTestCase):
    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile
        cls._shutil = shutil
        cls.cls_tmp = tempfile.mkdtemp(prefix="gh-authz-")
        cls.cls_data = cls.cls_tmp + "/data"
        init = run_cli("init", "--data", cls.cls_data, "--issuer", "http://127.0.0.1:8080",
                       "--redirect-uri", REDIRECT, "--redirect-uri", "https://app.example.com/cb?tenant=1")[1]
        cls.client_id = init["client_id"]
        d = cls.cls_data
        cls.org = run_cli("org", "create", "--data", d, "--name", "Acme")[1]["id"]
        run_cli("domain", "add", "--data", d, cls.org, "acme.test")
        cls.sso = run_cli("connection", "create", "--data", d, "--type", "oidc", "--org", cls.org,
                          "--name", "Acme Okta")[1]["id"]
        cls.org2 = run_cli("org", "create", "--data", d, "--name", "Two SSO")[1]["id"]
        run_cli("connection", "create", "--data", d, "--type", "oidc", "--org", cls.org2)
        run_cli("connection", "create", "--data", d, "--type", "saml", "--org", cls.org2)
        cls.disabled = run_cli("connection", "create", "--data", d, "--type", "saml", "--org", cls.org2,
                               "--disabled")[1]["id"]
        cls.google = run_cli("connection", "create", "--data", d, "--type", "oauth", "--provider", "google")[1]["id"]
        cls.server = Server(d, "--access-log", "false").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls._shutil.rmtree(cls.cls_tmp, ignore_errors=True)

    def authorize(self, params=None, raw=None, path="/oauth/authorize"):
        query = raw if raw is not None else urllib.parse.urlencode(params or {}, quote_via=urllib.parse.quote)
        req = urllib.request.Request(self.server.base + path + "?" + query)
        try:
            r = OPENER.open(req, timeout=10)
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def base(self, **extra):
        p = {"response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT,
             "scope": "openid profile email offline_access", "state": "st-123"}
        p.update(extra)
        return {k: v for k, v in p.items() if v is not None}

    def redirect_params(self, status, headers):
        self.assertEqual(status, 302, headers)
        loc = headers["location"]
        parsed = urllib.parse.urlsplit(loc)
        return loc, dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))

    def assert_error_redirect(self, params=None, error=None, raw=None, state="st-123"):
        status, headers, _ = self.authorize(params, raw=raw)
        loc, q = self.redirect_params(status, headers)
        self.assertTrue(loc.startswith(REDIRECT + "?"), loc)
        self.assertEqual(q["error"], error, q)
        self.assertTrue(q["error_description"])
        self.assertEqual(q["iss"], "http://127.0.0.1:8080")
        if state is None:
            self.assertNotIn("state", q)
        else:
            self.assertEqual(q["state"], state)
        return q

    def assert_error_page(self, params=None, raw=None):
        status, headers, body = self.authorize(params, raw=raw)
        self.assertEqual(status, 400)
        self.assertNotIn("location", headers)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        return body.decode()

    # ---- errors shown on Gatehouse's own page, never redirected
    def test_unknown_or_missing_client_is_a_page(self):
        self.assert_error_page(self.base(client_id="skc_doesnotexist"))
        self.assert_error_page(self.base(client_id=None))
        self.assert_error_page(raw=urllib.parse.urlencode(self.base()) + "&client_id=" + self.client_id)

    def test_unregistered_redirect_uri_is_a_page(self):
        for bad in ["https://app.example.com/callback/", "https://app.example.com/callbackx",
                    "https://app.example.com/callback?x=1", "https://APP.example.com/callback",
                    "https://app.example.com/cb", "https://evil.example.com/callback", "javascript:alert(1)",
                    "https://app.example.com/callback#x", "http://app.example.com/callback", None, ""]:
            body = self.assert_error_page(self.base(redirect_uri=bad))
            self.assertNotIn("<script", body.lower())

    def test_registered_uri_with_query_matches_exactly(self):
        status, headers, _ = self.authorize(self.base(redirect_uri="https://app.example.com/cb?tenant=1"))
        self.assertEqual(status, 302)
        self.assertTrue(headers["location"].startswith("/login?tx="))

    # ---- errors redirected to the client
    def test_response_type(self):
        self.assert_error_redirect(self.base(response_type="token"), "unsupported_response_type")
        self.assert_error_redirect(self.base(response_type=None), "invalid_request")

    def test_scopes(self):
        self.assert_error_redirect(self.base(scope="profile email"), "invalid_scope")
        self.assert_error_redirect(self.base(scope="openid admin"), "invalid_scope")
        self.assert_error_redirect(self.base(scope=None), "invalid_scope")

    def test_prompt(self):
        self.assert_error_redirect(self.base(prompt="sometimes"), "invalid_request")
        self.assert_error_redirect(self.base(prompt="none login"), "invalid_request")
        for ok in ["login", "create", "select_account", "consent"]:
            status, headers, _ = self.authorize(self.base(prompt=ok))
            self.assertEqual(status, 302, ok)
            self.assertTrue(headers["location"].startswith("/login?tx="), ok)
        self.assert_error_redirect(self.base(prompt="none"), "login_required")

    def test_pkce(self):
        self.assert_error_redirect(self.base(code_challenge=CHALLENGE, code_challenge_method="plain"), "invalid_request")
        self.assert_error_redirect(self.base(code_challenge=CHALLENGE), "invalid_request")
        self.assert_error_redirect(self.base(code_challenge_method="S256"), "invalid_request")
        self.assert_error_redirect(self.base(code_challenge="short", code_challenge_method="S256"), "invalid_request")
        status, _, _ = self.authorize(self.base(code_challenge=CHALLENGE, code_challenge_method="S256"))
        self.assertEqual(status, 302)

    def test_response_mode(self):
        self.assert_error_redirect(self.base(response_mode="fragment"), "invalid_request")
        status, headers, body = self.authorize(self.base(response_mode="form_post", response_type="token"))
        self.assertEqual(status, 200)
        page = body.decode()
        self.assertIn('action="https://app.example.com/callback"', page)
        self.assertIn('name="error" value="unsupported_response_type"', page)
        self.assertIn('name="state" value="st-123"', page)
        self.assertIn("form-action https://app.example.com", headers["content-security-policy"])
        self.assertNotIn("<script", page)

    def test_repeated_parameter(self):
        raw = urllib.parse.urlencode(self.base()) + "&scope=openid"
        self.assert_error_redirect(raw=raw, error="invalid_request")
        raw = urllib.parse.urlencode(self.base()) + "&state=other"
        self.assert_error_redirect(raw=raw, error="invalid_request", state=None)

    def test_request_objects_refused(self):
        self.assert_error_redirect(self.base(request="eyJ.x.y"), "request_not_supported")

    def test_organization_and_connection_errors(self):
        self.assert_error_redirect(self.base(organization_id="org_unknown0000"), "invalid_organization_id")
        self.assert_error_redirect(self.base(organization_id="not-an-org"), "invalid_organization_id")
        self.assert_error_redirect(self.base(connection_id="conn_unknown000"), "invalid_connection_id")
        self.assert_error_redirect(self.base(connection_id=self.disabled), "connection_not_active")
        self.assert_error_redirect(self.base(connection_id=self.sso, organization_id=self.org2), "invalid_connection_id")
        self.assert_error_redirect(self.base(domain_hint="nobody.test"), "domain_not_found")
        self.assert_error_redirect(self.base(domain_hint="acme.test", domain="other.test"), "invalid_request")
        self.assert_error_redirect(self.base(provider="myspace"), "invalid_request")
        self.assert_error_redirect(self.base(provider="github"), "no_active_connections")

    # ---- routing
    def assert_routed(self, params, to_connection):
        status, headers, _ = self.authorize(params)
        self.assertEqual(status, 302, headers)
        loc = headers["location"]
        if to_connection:
            self.assertTrue(loc.startswith("/login/connection?tx="), loc)
        else:
            self.assertTrue(loc.startswith("/login?tx="), loc)
        return loc

    def test_routing_order(self):
        self.assert_routed(self.base(connection_id=self.sso), True)
        self.assert_routed(self.base(organization_id=self.org), True)     # one enabled SSO connection
        self.assert_routed(self.base(organization_id=self.org2), False)   # two: the hosted page
        self.assert_routed(self.base(provider="google"), True)
        self.assert_routed(self.base(domain_hint="acme.test"), True)
        self.assert_routed(self.base(domain_hint="ACME.test", domain="ACME.test"), True)
        self.assert_routed(self.base(login_hint="ann@acme.test"), True)
        self.assert_routed(self.base(login_hint="ann@elsewhere.test"), False)
        self.assert_routed(self.base(), False)

    # ---- wire compatibility
    def test_sdk_encodings_and_double_slash(self):
        # Node SDK: %20 for spaces, domain duplicate, doubled slash after a trailing-slash env URL.
        q = ("response_type=code&client_id=%s&redirect_uri=%s&scope=openid%%20profile%%20email&state=s%%20t"
             "&domain_hint=acme.test&domain=acme.test" % (self.client_id, urllib.parse.quote(REDIRECT, safe="")))
        status, headers, _ = self.authorize(raw=q, path="//oauth/authorize")
        self.assertEqual(status, 302)
        self.assertTrue(headers["location"].startswith("/login/connection?tx="))
        # Python/Go/Java SDKs: '+' for spaces. state comes back byte for byte (here: "a+b c").
        q = ("response_type=code&client_id=%s&redirect_uri=%s&scope=openid+profile&state=a%%2Bb+c&prompt=nonsense"
             % (self.client_id, urllib.parse.quote(REDIRECT, safe="")))
        self.assert_error_redirect(raw=q, error="invalid_request", state="a+b c")

    def test_state_is_returned_exactly_and_never_reflected_as_markup(self):
        state = '<script>alert("x")</script>&é \'"'
        q = self.assert_error_redirect(self.base(state=state, scope="bad"), "invalid_scope", state=state)
        self.assertEqual(q["state"], state)
        status, _, body = self.authorize(self.base(state=state, response_mode="form_post", scope="bad"))
        self.assertEqual(status, 200)
        self.assertNotIn(b"<script>", body)
        self.assertIn(html.escape(state, quote=True).replace("&#x27;", "&#39;").encode()[:10], body)

    def test_edge_cases_never_5xx(self):
        huge = "a" * 65536
        cases = {
            "empty values": "response_type=&client_id=&redirect_uri=",
            "bad escapes": "client_id=%zz&redirect_uri=%",
            "invalid utf8": "client_id=%ff%fe&redirect_uri=" + urllib.parse.quote(REDIRECT),
            "control chars in state": urllib.parse.urlencode(self.base(state="a\x00b\nc")),
            "huge state": urllib.parse.urlencode(self.base(state=huge[:12000])),
            "many params": "&".join("p%d=1" % i for i in range(200)),
        }
        for name, q in cases.items():
            status, headers, _ = self.authorize(raw=q)
            self.assertIn(status, (302, 400, 431), name)
        # A state that cannot be returned safely is dropped from the error redirect.
        self.assert_error_redirect(self.base(state="a\x00b"), "invalid_request", state=None)
        # A request line too large for the server is refused by the transport, not a crash.
        resp = raw_exchange(self.server.port, ("GET /oauth/authorize?state=%s HTTP/1.1\r\nHost: x\r\n\r\n" % huge).encode())
        self.assertIn(resp[9:12], (b"431", b"414", b"400"))
        self.assertEqual(self.server.get("/healthz")[0], 200)

    # Each known parameter, one at a time, over the edge cases: never a 5xx, never
    # reflected markup, and a redirect only to the registered URI or the hosted page.
    PARAMS = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "prompt", "max_age",
              "organization_id", "connection_id", "login_hint", "domain_hint", "domain", "provider",
              "code_challenge", "code_challenge_method", "response_mode"]
    EDGES = {
        "empty": "",
        "64k": "a" * 65536,
        "4k": "b" * 4096,
        "control": "x\x01y\x7f",
        "newline": "x\r\nLocation: https://evil.example.com/",
        "html": '<script>alert(1)</script>"\'><img src=x onerror=alert(1)>',
        "javascript": "javascript:alert(document.cookie)",
        "unicode": "\u00e9\u202e\ufeff",
    }
    RAW_EDGES = {"bad escape": "%zz%", "invalid utf8": "%ff%c0%af", "lone percent": "%"}

    def check(self, query, label):
        status, headers, body = self.authorize(raw=query)
        self.assertIn(status, (200, 302, 400, 414, 431), label)
        self.assertNotIn(b"<script>alert(1)", body, label)
        self.assertNotIn(b"<img src=x", body, label)
        if status == 302:
            loc = headers["location"]
            self.assertTrue(loc.startswith(REDIRECT + "?") or loc.startswith("/login"), (label, loc))

    def test_each_parameter_over_each_edge_case(self):
        for name in self.PARAMS:
            for edge, value in self.EDGES.items():
                params = self.base()
                params[name] = value
                self.check(urllib.parse.urlencode(params, quote_via=urllib.parse.quote), f"{name}={edge}")
            for edge, raw in self.RAW_EDGES.items():
                params = self.base()
                params.pop(name, None)
                self.check(urllib.parse.urlencode(params) + f"&{name}={raw}", f"{name}={edge}")
        self.assertEqual(self.server.get("/healthz")[0], 200)


class TransactionTest(GatehouseTestCase):
    def start_login(self, server, client_id):
        q = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
                                    "scope": "openid email", "state": "keep-me"})
        try:
            OPENER.open(server.base + "/oauth/authorize?" + q, timeout=10)
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 302)
            return e.headers["Location"]
        self.fail("no redirect")

    def test_transaction_survives_a_restart_and_resists_tampering(self):
        client_id = self.init("--redirect-uri", REDIRECT)["client_id"]
        with Server(self.data) as first:
            loc = self.start_login(first, client_id)
        self.assertTrue(loc.startswith("/login?tx="))
        with Server(self.data) as second:  # a new process: nothing of the login was in memory
            status, _, body = second.get(loc)
            self.assertEqual(status, 200)
            self.assertIn(b"My application", body)
            token = loc[len("/login?tx="):]
            flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
            self.assertEqual(second.get("/login?tx=" + flipped)[0], 400)
        # Another deployment (another master key) cannot open it.
        other = self.tmp + "/other"
        run_cli("init", "--data", other, "--issuer", self.issuer)
        with Server(other) as foreign:
            self.assertEqual(foreign.get(loc)[0], 400)


class TwoNodesTest(GatehouseTestCase):
    def test_a_login_started_on_one_node_continues_on_another(self):
        client_id = self.init("--redirect-uri", REDIRECT)["client_id"]
        with Server(self.data) as a, Server(self.data) as b:
            q = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
                                        "scope": "openid", "login_hint": "ann@example.com"})
            try:
                OPENER.open(a.base + "/oauth/authorize?" + q, timeout=10)
                self.fail("no redirect")
            except urllib.error.HTTPError as e:
                loc = e.headers["Location"]
            status, _, body = b.get(loc)
            self.assertEqual(status, 200)
            self.assertIn(b'value="ann@example.com"', body)


class DiscoveryAdvertisesAuthorizeTest(GatehouseTestCase):
    def test_metadata(self):
        self.init()
        with Server(self.data) as server:
            doc = server.get_json("/.well-known/openid-configuration")
            self.assertEqual(doc["authorization_endpoint"], self.issuer + "/oauth/authorize")
            self.assertTrue(doc["authorization_response_iss_parameter_supported"])
            self.assertEqual(doc["code_challenge_methods_supported"], ["S256"])
            self.assertEqual(doc["response_modes_supported"], ["query", "form_post"])
            self.assertIn("create", doc["prompt_values_supported"])


if __name__ == "__main__":
    unittest.main()
