"""Discovery, JWKS, health and metrics over HTTP, checked with independent code (PyJWT +
cryptography from Debian, and RFC 7638 thumbprints computed here)."""
import base64
import hashlib
import json
import unittest

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from harness import GatehouseTestCase, Server, run_cli, wait_until

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def thumbprint(jwk):
    if jwk["kty"] == "RSA":
        members = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    else:
        members = {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


class MetadataTest(GatehouseTestCase):
    def test_discovery_documents(self):
        self.init()
        with Server(self.data) as server:
            status, headers, body = server.get("/.well-known/openid-configuration")
            self.assertEqual(status, 200)
            self.assertEqual(headers["content-type"], "application/json")
            doc = json.loads(body)
            self.assertEqual(doc["issuer"], self.issuer)
            self.assertEqual(doc["jwks_uri"], self.issuer + "/keys")
            self.assertEqual(doc["id_token_signing_alg_values_supported"], ["RS256"])
            self.assertEqual(doc["subject_types_supported"], ["public"])
            # What is implemented is advertised, at the paths it is served on.
            for member, path in [("token_endpoint", "/oauth/token"), ("userinfo_endpoint", "/userinfo"),
                                 ("revocation_endpoint", "/oauth/revoke"),
                                 ("introspection_endpoint", "/oauth/introspect"),
                                 ("end_session_endpoint", "/oidc/logout")]:
                self.assertEqual(doc[member], self.issuer + path)
            self.assertEqual(doc["grant_types_supported"], ["authorization_code", "refresh_token", "client_credentials"])
            self.assertEqual(doc["token_endpoint_auth_methods_supported"], ["client_secret_post", "client_secret_basic"])
            self.assertTrue(doc["backchannel_logout_supported"])
            self.assertTrue(doc["backchannel_logout_session_supported"])
            _, _, body2 = server.get("/.well-known/oauth-authorization-server")
            self.assertEqual(json.loads(body2), doc)
            # A doubled slash (SDK with a trailing-slash environment URL) reaches the same document.
            self.assertEqual(server.get_json("//.well-known/openid-configuration"), doc)

    def test_issuer_flag_overrides_and_is_exact(self):
        self.init()
        with Server(self.data, "--issuer", "https://auth.example.com/tenant") as server:
            doc = server.get_json("/.well-known/openid-configuration")
            self.assertEqual(doc["issuer"], "https://auth.example.com/tenant")
            self.assertEqual(doc["jwks_uri"], "https://auth.example.com/tenant/keys")

    def check_jwks(self, jwks, alg):
        self.assertIsInstance(jwks["keys"], list)
        self.assertGreaterEqual(len(jwks["keys"]), 2)
        parsed = jwt.PyJWKSet.from_dict(jwks)  # independent JWK parser
        self.assertEqual(len(parsed.keys), len(jwks["keys"]))
        for jwk, pk in zip(jwks["keys"], parsed.keys):
            self.assertEqual(jwk["use"], "sig")
            self.assertEqual(jwk["alg"], alg)
            self.assertFalse(PRIVATE_MEMBERS & set(jwk), jwk)
            self.assertEqual(jwk["kid"], thumbprint(jwk))
            self.assertEqual(pk.key_id, jwk["kid"])
            if alg == "RS256":
                self.assertIsInstance(pk.key, rsa.RSAPublicKey)
                self.assertGreaterEqual(pk.key.key_size, 2048)
            else:
                self.assertIsInstance(pk.key, ec.EllipticCurvePublicKey)
                self.assertEqual(pk.key.curve.name, "secp256r1")

    def test_jwks_rs256(self):
        self.init()
        with Server(self.data) as server:
            status, headers, body = server.get("/keys")
            self.assertEqual(status, 200)
            self.assertIn("max-age", headers["cache-control"])
            self.check_jwks(json.loads(body), "RS256")

    def test_jwks_es256(self):
        self.init("--signing-alg", "ES256")
        with Server(self.data, "--signing-alg", "ES256") as server:
            jwks = server.get_json("/keys")
            self.check_jwks(jwks, "ES256")
            doc = server.get_json("/.well-known/openid-configuration")
            self.assertEqual(doc["id_token_signing_alg_values_supported"], ["ES256"])

    def test_rotation_by_cli_reaches_running_server(self):
        self.init()
        with Server(self.data, "--key-refresh-interval", "50ms") as server:
            before = {k["kid"] for k in server.get_json("/keys")["keys"]}
            _, keys, _ = run_cli("keys", "list", "--data", self.data)
            next_kid = [k["kid"] for k in keys if k["state"] == "next"][0]
            old_active = [k["kid"] for k in keys if k["state"] == "active"][0]
            self.assertIn(next_kid, before)  # published before it signs
            _, rotated, _ = run_cli("keys", "rotate", "--data", self.data)
            self.assertEqual(rotated["active"], next_kid)

            def three_keys():
                kids = {k["kid"] for k in server.get_json("/keys")["keys"]}
                return kids if len(kids) == 3 else None

            after = wait_until(three_keys, what="the server to publish the rotated key set")
            self.assertTrue(before <= after)  # the retired key stays published
            _, keys, _ = run_cli("keys", "list", "--data", self.data)
            states = {k["kid"]: k["state"] for k in keys}
            self.assertEqual(states[old_active], "retired")
            self.assertEqual(states[next_kid], "active")
            retired = [k for k in keys if k["state"] == "retired"][0]
            self.assertGreater(retired["expires_at"], retired["retired_at"])

    def test_scheduled_rotation(self):
        self.init("--signing-alg", "ES256")
        with Server(self.data, "--signing-alg", "ES256", "--key-rotation-period", "1s",
                    "--key-refresh-interval", "50ms") as server:
            first = {k["kid"] for k in server.get_json("/keys")["keys"]}
            wait_until(lambda: len(server.get_json("/keys")["keys"]) >= 3, what="a scheduled rotation")
            _, keys, _ = run_cli("keys", "list", "--data", self.data)
            self.assertIn("retired", [k["state"] for k in keys])
            self.assertTrue(first <= {k["kid"] for k in server.get_json("/keys")["keys"]})


class OperationsTest(GatehouseTestCase):
    def test_health_ready_metrics_and_request_ids(self):
        self.init()
        with Server(self.data) as server:
            self.assertEqual(server.get("/healthz")[0], 200)
            self.assertEqual(server.get("/readyz")[0], 200)
            for _ in range(3):
                server.get("/keys")
            status, headers, _ = server.get("/nope")
            self.assertEqual(status, 404)
            self.assertEqual(len(headers["x-request-id"]), 16)
            _, headers, _ = server.get("/keys", headers={"X-Request-Id": "trace-abc.1"})
            self.assertEqual(headers["x-request-id"], "trace-abc.1")
            _, headers, _ = server.get("/keys", headers={"X-Request-Id": "bad id\"{"})
            self.assertNotEqual(headers["x-request-id"], "bad id\"{")
            # A request is counted once its answer is written, so the last /keys, answered on one
            # I/O thread, may not be counted yet when /metrics (a new connection) is served by the
            # other one: read until it is, then check every figure.
            keys_counted = 'gatehouse_http_requests_total{route="/keys",code="200"} 5\n'

            def metrics_text():
                status, _, body = server.get("/metrics")
                self.assertEqual(status, 200)
                text = body.decode()
                return text if keys_counted in text else None

            text = wait_until(metrics_text, what="the fifth /keys request to be counted")
            self.assertIn('gatehouse_http_requests_total{route="unmatched",code="404"} 1', text)
            self.assertIn('gatehouse_http_request_duration_seconds_count{route="/keys"} 5', text)
            self.assertIn("# TYPE gatehouse_http_request_duration_seconds histogram", text)
            self.assertEqual(server.get("/keys", headers={})[0], 200)

    def test_access_log_is_structured_and_has_no_query(self):
        self.init()
        with Server(self.data) as server:
            server.get("/keys?code=SECRETCODE123&state=x", headers={"X-Request-Id": "req-42"})
            self.assertEqual(server.terminate(), 0)
            lines = [json.loads(l) for l in server.log_lines if l.startswith("{")]
            entry = [l for l in lines if l.get("request_id") == "req-42"][0]
            self.assertEqual(entry["path"], "/keys")
            self.assertEqual(entry["status"], 200)
            self.assertEqual(entry["method"], "GET")
            self.assertNotIn("SECRETCODE123", "\n".join(server.log_lines))
            self.assertIn("gatehouse stopped", [l.get("msg") for l in lines])

    def test_sigterm_with_idle_keepalive_connection_exits_cleanly(self):
        import http.client
        self.init()
        with Server(self.data) as server:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", "/keys")
            self.assertEqual(conn.getresponse().read()[:1], b"{")
            self.assertEqual(server.terminate(timeout=5), 0)  # idle connection does not hold it up
            conn.close()


if __name__ == "__main__":
    unittest.main()
