#!/usr/bin/python3
"""A stand-in authorization server for the SDK's unit tests: serves a JWKS and canned token
endpoint answers from files the test writes, and counts JWKS fetches.

Usage:
  /usr/bin/python3 sdk/tests/support/jwks_server.py DIR

Protocol (tests/support/process.h):
  * Listens on 127.0.0.1 on a free port it chooses, prints one line {"port": N} to stdout and
    flushes it once ready. Nothing else goes to stdout.
  * Every path is /SCENARIO/REST: a test uses http://127.0.0.1:N/SCENARIO as its environment URL,
    so tests sharing one server do not see each other's files or counts. Files live in
    DIR/SCENARIO/ and are read on every request (a test may rewrite them between calls):
      GET  /S/keys         DIR/S/keys.json as application/json, 200. Counted.
                           DIR/S/keys.mode, when present: "500" (500 with {"error":"boom"}),
                           "garbage" (200, a body that is not JSON), "hang" (never answers)
      POST /S/oauth/token  DIR/S/token.json with the status in DIR/S/token.status (default 200);
                           DIR/S/token.mode "hang": never answers; "big": 200 with 2 MiB.
                           The request body is written to DIR/S/token_request.txt first, and
                           the client's address:port appended to DIR/S/token.peers (one line
                           per request: equal lines mean a reused connection).
      GET  /S/count        {"keys": number of GET /S/keys so far, "token": number of POSTs}
    The counts are also written to DIR/S/keys.count and DIR/S/token.count (when DIR/S exists)
    before the request is answered, so a test that has its answer can read them at once.
      anything else        404
  * A request that "never answers" waits until the server stops (the client gives up first).
  * Runs until SIGTERM or SIGINT, then exits 0.

Uses the standard library only; run it with /usr/bin/python3.
"""

import collections
import http.server
import json
import os
import signal
import sys
import threading

STOPPING = threading.Event()
COUNTS = collections.defaultdict(lambda: {"keys": 0, "token": 0})
LOCK = threading.Lock()


def read(path, default=None):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jwks_server"
    root = None  # DIR, set in main()

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def _split(self):
        parts = self.path.split("?", 1)[0].strip("/").split("/", 1)
        if len(parts) != 2 or not parts[0] or parts[0].startswith("."):
            return None, None
        return parts[0], parts[1]

    def do_GET(self):
        scenario, rest = self._split()
        if scenario is None:
            return self._send(404, b"{}")
        base = os.path.join(Handler.root, scenario)
        if rest == "count":
            with LOCK:
                counts = dict(COUNTS[scenario])
            return self._send(200, json.dumps(counts).encode())
        if rest != "keys":
            return self._send(404, b"{}")
        self._count(scenario, base, "keys")
        mode = (read(os.path.join(base, "keys.mode"), b"") or b"").decode().strip()
        if mode == "hang":
            return self._hang()
        if mode == "500":
            return self._send(500, b'{"error":"boom"}')
        if mode == "garbage":
            return self._send(200, b"<html>not json")
        body = read(os.path.join(base, "keys.json"))
        if body is None:
            return self._send(404, b"{}")
        return self._send(200, body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        scenario, rest = self._split()
        if scenario is None or rest != "oauth/token":
            return self._send(404, b"{}")
        base = os.path.join(Handler.root, scenario)
        self._count(scenario, base, "token")
        if os.path.isdir(base):
            with open(os.path.join(base, "token_request.txt"), "wb") as f:
                f.write(body)
            with LOCK, open(os.path.join(base, "token.peers"), "a", encoding="ascii") as f:
                f.write("%s:%d\n" % self.client_address[:2])
        mode = (read(os.path.join(base, "token.mode"), b"") or b"").decode().strip()
        if mode == "hang":
            return self._hang()
        if mode == "big":
            return self._send(200, b" " * (2 << 20))
        status = int((read(os.path.join(base, "token.status"), b"200") or b"200").decode().strip())
        return self._send(status, read(os.path.join(base, "token.json"), b"{}"))

    def _count(self, scenario, base, what):
        with LOCK:
            COUNTS[scenario][what] += 1
            if os.path.isdir(base):
                with open(os.path.join(base, what + ".count"), "w", encoding="ascii") as f:
                    f.write(str(COUNTS[scenario][what]))

    def _hang(self):
        STOPPING.wait()
        self.close_connection = True

    def _send(self, code, data):
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a hanging request does not hold up the exit

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    if len(sys.argv) != 2:
        print("usage: jwks_server.py DIR", file=sys.stderr)
        return 2
    Handler.root = sys.argv[1]
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
