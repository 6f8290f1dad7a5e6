"""Hostile and broken HTTP input: every case gets a 4xx or a closed connection, the server never
crashes or stalls, and other connections keep being served."""
import http.client
import socket
import threading
import time
import unittest

from harness import GatehouseTestCase, Server, raw_exchange, wait_until


def status_of(response):
    if not response.startswith(b"HTTP/1.1 "):
        return None
    return int(response[9:12])


class BadInputTest(GatehouseTestCase):
    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile
        from harness import run_cli
        cls.cls_tmp = tempfile.mkdtemp(prefix="gh-bad-")
        cls.cls_data = cls.cls_tmp + "/data"
        run_cli("init", "--data", cls.cls_data, "--issuer", "http://127.0.0.1:8080")
        cls.server = Server(cls.cls_data, "--request-timeout", "1s", "--idle-timeout", "2s",
                            "--access-log", "false").start()
        cls._shutil = shutil

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls._shutil.rmtree(cls.cls_tmp, ignore_errors=True)

    def assert_alive(self):
        self.assertEqual(self.server.get("/healthz")[0], 200)
        self.assertIsNone(self.server.proc.poll(), "server died")

    def expect(self, payload, statuses):
        resp = raw_exchange(self.server.port, payload)
        self.assertIn(status_of(resp), statuses, (payload[:80], resp[:200]))
        self.assert_alive()
        return resp

    def test_malformed_request_lines(self):
        for payload in [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET /keys HTTP/9.9\r\nHost: x\r\n\r\n",
                        b"GET /keys HTTP/1.1\r\nHost x\r\n\r\n", b"\x00\x01\x02\x03\r\n\r\n",
                        b"GET /keys HTTP/1.1\r\nHo st: x\r\n\r\n", b"GET /ke ys HTTP/1.1\r\nHost: x\r\n\r\n"]:
            self.expect(payload, {400, None})

    def test_missing_or_duplicate_host(self):
        self.expect(b"GET /keys HTTP/1.1\r\n\r\n", {400})
        self.expect(b"GET /keys HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {400})

    def test_absolute_form_and_fragments(self):
        self.expect(b"GET http://evil/keys HTTP/1.1\r\nHost: x\r\n\r\n", {400})
        self.expect(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", {400})

    def test_oversized_headers(self):
        big = b"X-Big: " + b"a" * 20000 + b"\r\n"
        self.expect(b"GET /keys HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n", {431})
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(3000))
        self.expect(b"GET /keys HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", {431})
        self.expect(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {431, 414})

    def test_oversized_body(self):
        body = b"x" * (1 << 20)
        self.expect(b"POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body, {413})
        self.expect(b"POST /keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n" + body[:65536],
                    {413})

    def test_the_saml_acs_takes_larger_bodies_and_only_it(self):
        # A SAML response with many attributes outgrows the default 64 KiB; the ACS takes up to
        # 512 KiB (the connector's own cap then answers), every other route keeps the default.
        def post(path, size):
            body = b"SAMLResponse=" + b"A" * (size - 13)
            return b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n" \
                   b"Content-Length: %d\r\n\r\n" % (path, len(body)) + body
        resp = self.expect(post(b"/sso/saml/acs/conn_unknown", 300 * 1024), {400, 404})
        self.assertNotIn(b"request body too large", resp)
        self.expect(post(b"/sso/saml/acs/conn_unknown", 600 * 1024), {413})
        self.expect(post(b"/login/email", 300 * 1024), {413})
        self.expect(post(b"/oauth/token", 100 * 1024), {413})
        chunk = b"A" * (600 * 1024)
        self.expect(b"POST /sso/saml/acs/conn_unknown HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n", {413})
        chunk = b"SAMLResponse=" + b"A" * (200 * 1024)
        self.expect(b"POST /sso/saml/acs/conn_unknown HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                    b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n", {400, 404})
        chunk = b"A" * (100 * 1024)
        self.expect(b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n", {413})

    def test_invalid_percent_encoding_and_utf8(self):
        self.expect(b"GET /ke%zzys HTTP/1.1\r\nHost: x\r\n\r\n", {400})
        self.expect(b"GET /keys%ff HTTP/1.1\r\nHost: x\r\n\r\n", {400})
        self.expect(b"GET /keys\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", {400})
        self.expect(b"GET /keys%c0%af HTTP/1.1\r\nHost: x\r\n\r\n", {400})

    def test_conflicting_lengths(self):
        self.expect(b"POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", {400})
        self.expect(b"POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", {400})

    def test_wrong_method_and_unknown_path(self):
        resp = self.expect(b"DELETE /keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405})
        self.assertIn(b"Allow: GET, HEAD", resp)
        self.expect(b"GET /does-not-exist HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {404})

    def test_head_has_no_body(self):
        resp = raw_exchange(self.server.port, b"HEAD /keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, _, body = resp.partition(b"\r\n\r\n")
        self.assertEqual(status_of(resp), 200)
        self.assertIn(b"Content-Length:", head)
        self.assertEqual(body, b"")

    def test_http2_preface_is_closed_not_crashed(self):
        resp = raw_exchange(self.server.port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        self.assertEqual(resp, b"")
        self.assert_alive()

    def test_pipelined_requests_are_answered_in_order(self):
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        resp = raw_exchange(self.server.port, req * 3 + b"GET /keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(resp.count(b"HTTP/1.1 200 OK"), 4)

    def test_slow_and_half_open_connections_do_not_stall_others(self):
        # 40 connections that never finish their headers, 40 that send nothing at all.
        sockets = []
        for i in range(80):
            s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
            if i % 2 == 0:
                s.sendall(b"GET /keys HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sockets.append(s)
        try:
            for _ in range(20):
                self.assertEqual(self.server.get("/healthz")[0], 200)
            # Each slow sender is cut off once the request timeout (1 s here) passes: 408 or close.
            for s in sockets[:10:2]:
                data = s.recv(4096)
                self.assertIn(status_of(data), {408, None})
            # A silent connection is closed after the idle timeout (2 s here).
            self.assertEqual(sockets[1].recv(4096), b"")
        finally:
            for s in sockets:
                s.close()
        self.assert_alive()

    def test_slow_body_is_cut_off(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
            data = s.recv(4096)
            self.assertIn(status_of(data), {408, None})
        self.assert_alive()

    def test_many_parallel_clients(self):
        errors = []

        def worker():
            try:
                for _ in range(25):
                    if self.server.get("/keys")[0] != 200:
                        errors.append("status")
            except Exception as e:  # noqa: BLE001 - any failure counts
                errors.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_reset_mid_request(self):
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", self.server.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.sendall(b"GET /keys HTTP/1.1\r\nHost: x\r\n\r\n")
            s.close()  # RST while the server may be writing
        self.assert_alive()


class ConnectionLimitTest(GatehouseTestCase):
    def test_connections_over_the_limit_are_refused_and_counted(self):
        self.init()
        with Server(self.data, "--max-connections", "5") as server:
            held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
            try:
                extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                self.assertEqual(extra.recv(10), b"")  # closed at once
                extra.close()
            finally:
                for s in held:
                    s.close()
            def accepts_again():
                # The held connections count until their sessions see the close; until then a new
                # connection is itself refused (closed), which is what the limit is for.
                try:
                    return server.get("/metrics")[0] == 200
                except (ConnectionError, OSError, http.client.HTTPException):
                    return False

            wait_until(accepts_again, what="server to accept again")
            text = server.get("/metrics")[2].decode()
            self.assertRegex(text, r"gatehouse_http_connections_rejected_total [1-9]")


if __name__ == "__main__":
    unittest.main()
