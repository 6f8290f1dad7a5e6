"""Test harness: runs the real gatehouse binary on a free loopback port.

Ports are never guessed: the server is started with --listen 127.0.0.1:0 and the harness reads
the port it bound from its "gatehouse listening" log line. Processes are stopped by PID.
Nothing here sleeps to wait for something: every wait polls a condition with a deadline.
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

BIN = os.environ.get("GATEHOUSE_BIN", os.path.join(os.path.dirname(__file__), "../../build/src/app/gatehouse"))
START_TIMEOUT = float(os.environ.get("GATEHOUSE_START_TIMEOUT", "30"))


def run_cli(*args, env=None, check=True):
    """Runs `gatehouse ARGS`; returns (exit code, parsed stdout JSON or None, stderr text)."""
    full_env = dict(os.environ)
    full_env.pop("GATEHOUSE_MASTER_KEY", None)
    if env:
        full_env.update(env)
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=full_env, timeout=120)
    out = None
    if p.stdout.strip():
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = p.stdout
    if check and p.returncode != 0:
        raise AssertionError(f"gatehouse {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p.returncode, out, p.stderr


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)  # polling interval of a deadline-bounded wait, not a timing assumption


class Server:
    """A running `gatehouse serve`. Use as a context manager."""

    def __init__(self, data_dir, *extra, env=None, stdout=None):
        """stdout: where the server's standard output goes (a file object); discarded by default."""
        self.data_dir = data_dir
        self.extra = list(extra)
        self.env = env
        self.stdout = stdout
        self.proc = None
        self.port = None
        self.log_lines = []

    def start(self):
        full_env = dict(os.environ)
        full_env.pop("GATEHOUSE_MASTER_KEY", None)
        if self.env:
            full_env.update(self.env)
        args = [BIN, "serve", "--data", self.data_dir, "--listen", "127.0.0.1:0", *self.extra]
        self.proc = subprocess.Popen(args, stdout=self.stdout if self.stdout is not None else subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=full_env)
        deadline = time.monotonic() + START_TIMEOUT
        buf = b""
        while self.port is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise AssertionError("server did not start; log:\n" + "\n".join(self.log_lines))
            ready, _, _ = select.select([self.proc.stderr], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.proc.stderr.fileno(), 65536)
            if not chunk:
                self.proc.wait()
                raise AssertionError(f"server exited with {self.proc.returncode}:\n" + "\n".join(self.log_lines)
                                     + buf.decode(errors="replace"))
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self._record(line)
        self._leftover = buf
        return self

    def _record(self, line):
        text = line.decode(errors="replace")
        self.log_lines.append(text)
        try:
            event = json.loads(text)
        except ValueError:
            return
        if event.get("msg") == "gatehouse listening":
            self.port = int(event["port"])

    def drain_log(self):
        """Reads whatever the server has logged so far (non-blocking)."""
        buf = getattr(self, "_leftover", b"")
        while True:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0)
            if not ready:
                break
            chunk = os.read(self.proc.stderr.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
        lines = buf.split(b"\n")
        self._leftover = lines.pop()
        for line in lines:
            self._record(line)
        return self.log_lines

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def get(self, path, headers=None):
        """Returns (status, headers dict lowercased, body bytes); never raises on HTTP errors."""
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get_json(self, path):
        status, headers, body = self.get(path)
        assert status == 200, (path, status, body)
        return json.loads(body)

    def terminate(self, timeout=15):
        """SIGTERM and wait; returns the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("server did not stop on SIGTERM")
        self.drain_log()
        return self.proc.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()


class GatehouseTestCase(unittest.TestCase):
    """Gives each test a fresh temp dir and an initialized data directory."""

    issuer = "http://127.0.0.1:8080"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gh-e2e-")
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def init(self, *extra):
        _, out, _ = run_cli("init", "--data", self.data, "--issuer", self.issuer, *extra)
        return out


def raw_exchange(port, payload, timeout=10.0, read_all=True):
    """Sends raw bytes and returns everything the server answers until it closes (or timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        chunks = []
        if payload:
            try:
                s.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and stop reading before we finish sending

        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
                if not read_all:
                    break
        except socket.timeout:
            chunks.append(b"<timeout>")
        except ConnectionResetError:
            chunks.append(b"<reset>")
        return b"".join(chunks)
