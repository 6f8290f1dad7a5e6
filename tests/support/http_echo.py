#!/usr/bin/python3
"""A real HTTP server on loopback for tests: it echoes requests and misbehaves on request.

Usage:
  /usr/bin/python3 tests/support/http_echo.py [--record FILE] [--tls CERT KEY]

  --record FILE   append one JSON line per POST received, {"path", "content_type", "body"},
                  written and flushed before the response is sent: a client that has its answer
                  may read the line at once
  --tls CERT KEY  serve HTTPS with this PEM certificate and key

Protocol:
  * Listens on 127.0.0.1 on a free port it chooses, then prints one line {"port": N} to stdout
    and flushes it: read that line to know it is ready. Nothing else goes to stdout.
  * HTTP/1.1; GET and POST on every route. Bodies are bytes; in JSON they are decoded as
    Latin-1, so every byte maps to one character.
  * Routes (the query string is ignored unless said otherwise):
      /echo                200, application/json: {"method", "path", "query", "content_type",
                           "body", "headers": {lowercased name: value}}
      /status/NNN          status NNN, body {"status": NNN} (none for 1xx, 204 and 304)
      /slow?seconds=S      waits S seconds (default 5) before answering 200: a slow server
      /big?bytes=N         200 with N bytes (default 2 MiB) of 'x' and a Content-Length
      /big?chunked=1       the same without a Content-Length (chunked), so the client learns
                           the size only while reading
      /redirect            302 to /echo
      anything else        404
  * Runs until SIGTERM or SIGINT, then closes the listener and exits 0 (requests still
    waiting in /slow are abandoned).

Uses the standard library only; run it with /usr/bin/python3.
"""

import argparse
import http.server
import json
import signal
import ssl
import sys
import threading
import urllib.parse

STOPPING = threading.Event()
RECORD_LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "http_echo"
    record = None  # the --record path, set in main()

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass  # stdout carries only the port line, and stderr stays quiet in passing tests

    def do_GET(self):
        self._route(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if Handler.record:
            line = json.dumps({
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "body": body.decode("latin-1"),
            })
            with RECORD_LOCK, open(Handler.record, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        self._route(body)

    def _route(self, body):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        try:
            if url.path == "/echo":
                self._json(200, {
                    "method": self.command,
                    "path": url.path,
                    "query": url.query,
                    "content_type": self.headers.get("Content-Type"),
                    "body": body.decode("latin-1"),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "client_port": self.client_address[1],  # the same for requests on one connection
                })
            elif url.path.startswith("/status/") and url.path[8:].isdigit():
                code = int(url.path[8:])
                if code < 200 or code in (204, 304):
                    self.send_response(code)
                    self.end_headers()
                else:
                    self._json(code, {"status": code})
            elif url.path == "/slow":
                # Interrupted only by shutdown; the client is expected to give up first.
                STOPPING.wait(float(query.get("seconds", ["5"])[0]))
                self._send(200, "text/plain", b"slow\n")
            elif url.path == "/big":
                size = int(query.get("bytes", [str(2 << 20)])[0])
                if query.get("chunked", ["0"])[0] == "1":
                    self._chunked(size)
                else:
                    self._send(200, "application/octet-stream", b"x" * size)
            elif url.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/echo")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not found"})
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout or a size cap under test): nothing to answer.
            self.close_connection = True

    def _send(self, code, content_type, data):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, code, value):
        self._send(code, "application/json", json.dumps(value).encode())

    def _chunked(self, size):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        while size > 0:
            n = min(size, len(chunk))
            self.wfile.write(b"%x\r\n" % n + chunk[:n] + b"\r\n")
            size -= n
        self.wfile.write(b"0\r\n\r\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a request stuck in /slow does not hold up the exit

    def handle_error(self, request, client_address):
        # Connections the client dropped mid-request are expected here; anything else is a bug
        # in this script and goes to stderr.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="HTTP echo server for tests (see the module docstring)")
    parser.add_argument("--record", metavar="FILE")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    Handler.record = args.record

    server = Server(("127.0.0.1", 0), Handler)
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)

    # The signals are blocked in every thread (the mask is inherited) and taken by sigwait here.
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
