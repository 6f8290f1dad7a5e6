"""kill -9 while writes are in flight: the store reopens, passes SQLite's integrity check, and
nothing that was committed (and reported to a caller) is lost."""
import os
import signal
import sqlite3
import subprocess
import threading
import unittest

from harness import BIN, GatehouseTestCase, Server, run_cli, wait_until


class CrashTest(GatehouseTestCase):
    def test_kill_9_during_writes_loses_nothing_committed(self):
        self.init("--signing-alg", "ES256")
        committed_clients = []
        stop = threading.Event()

        def writer():
            # Another process writing to the same store while the server runs (and is killed).
            while not stop.is_set():
                code, out, _ = run_cli("client", "create", "--data", self.data, "--name", "crash-test",
                                       "--redirect-uri", "https://c.example.com/cb", check=False)
                if code == 0:
                    committed_clients.append(out["client_id"])

        seen_kids = set()
        # The server itself writes: it rotates its ES256 key every second (checked every 20 ms).
        server = Server(self.data, "--signing-alg", "ES256", "--key-rotation-period", "1s",
                        "--key-refresh-interval", "20ms", "--access-log", "false").start()
        t = threading.Thread(target=writer)
        t.start()
        try:
            def rotated_twice():
                seen_kids.update(k["kid"] for k in server.get_json("/keys")["keys"])
                return len(seen_kids) >= 4
            wait_until(rotated_twice, timeout=20, what="two scheduled rotations")
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
            # Kill a CLI writer in the middle of its transaction too.
            p = subprocess.Popen([BIN, "client", "create", "--data", self.data, "--name", "victim"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            p.send_signal(signal.SIGKILL)
            p.wait()
        finally:
            stop.set()
            t.join()
            server.kill()

        self.assertGreater(len(committed_clients), 0)
        db = sqlite3.connect(os.path.join(self.data, "gatehouse.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        db.close()
        with Server(self.data, "--signing-alg", "ES256") as restarted:
            published = {k["kid"] for k in restarted.get_json("/keys")["keys"]}
            self.assertTrue(seen_kids <= published, seen_kids - published)
        _, clients, _ = run_cli("client", "list", "--data", self.data)
        stored = {c["client_id"] for c in clients}
        self.assertTrue(set(committed_clients) <= stored)
        _, keys, _ = run_cli("keys", "list", "--data", self.data)
        states = [k["state"] for k in keys if k["alg"] == "ES256"]
        self.assertEqual(states.count("active"), 1)
        self.assertEqual(states.count("next"), 1)


if __name__ == "__main__":
    unittest.main()
