"""The gatehouse CLI against real data directories: init, client, keys, and its errors."""
import json
import os
import socket
import sqlite3
import stat
import unittest

from harness import GatehouseTestCase, Server, run_cli


class InitTest(GatehouseTestCase):
    def test_init_creates_store_key_and_client_then_changes_nothing(self):
        first = self.init("--redirect-uri", "http://localhost:3000/callback")
        self.assertEqual(first["issuer"], self.issuer)
        self.assertTrue(first["client_id"].startswith("skc_"))
        self.assertGreaterEqual(len(first["client_secret"]), 43)
        self.assertEqual(first["redirect_uris"], ["http://localhost:3000/callback"])
        key_mode = stat.S_IMODE(os.stat(os.path.join(self.data, "master.key")).st_mode)
        self.assertEqual(key_mode, 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.data).st_mode), 0o700)

        code, second, err = run_cli("init", "--data", self.data, "--issuer", self.issuer)
        self.assertEqual(code, 0)
        self.assertTrue(second["already_initialized"])
        self.assertEqual(second["client_id"], first["client_id"])
        self.assertNotIn("client_secret", second)
        self.assertIn("already initialized; nothing changed", err)
        _, clients, _ = run_cli("client", "list", "--data", self.data)
        self.assertEqual([c["client_id"] for c in clients], [first["client_id"]])
        _, keys, _ = run_cli("keys", "list", "--data", self.data)
        self.assertEqual(sorted(k["state"] for k in keys), ["active", "next"])

    def test_secret_is_stored_hashed_only(self):
        first = self.init()
        db = sqlite3.connect(os.path.join(self.data, "gatehouse.db"))
        dump = "\n".join(db.iterdump())
        db.close()
        self.assertNotIn(first["client_secret"], dump)
        self.assertIn("sha256:", dump)

    def test_private_keys_are_encrypted_at_rest(self):
        self.init()
        db = sqlite3.connect(os.path.join(self.data, "gatehouse.db"))
        blobs = [r[0] for r in db.execute("SELECT sealed_private_key FROM signing_keys")]
        db.close()
        self.assertEqual(len(blobs), 2)
        for b in blobs:
            # PKCS#8 DER starts with a SEQUENCE (0x30 0x82); sealed bytes must not look like it.
            self.assertFalse(bytes(b[:2]) == b"\x30\x82" or b"BEGIN" in bytes(b))

    def test_init_rejects_bad_issuer(self):
        for bad in ["http://127.0.0.1:8080/", "not a url", "ftp://x", "https://a.test/?x=1"]:
            code, _, err = run_cli("init", "--data", self.data, "--issuer", bad, check=False)
            self.assertEqual(code, 1, bad)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertTrue(err.startswith("gatehouse: "), err)

    def test_master_key_from_environment(self):
        env = {"GATEHOUSE_MASTER_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="}
        code, out, err = run_cli("init", "--data", self.data, "--issuer", self.issuer, env=env, check=False)
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists(os.path.join(self.data, "master.key")))
        # Without the key, the server cannot decrypt its signing keys.
        code, _, err = run_cli("keys", "list", "--data", self.data, check=False)
        self.assertEqual(code, 1)
        self.assertIn("no master key", err)
        wrong = {"GATEHOUSE_MASTER_KEY": "WFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFg="}
        with self.assertRaises(AssertionError) as ctx:
            Server(self.data, env=wrong).start()
        self.assertIn("does not decrypt", str(ctx.exception))

    def test_world_readable_master_key_is_refused(self):
        self.init()
        os.chmod(os.path.join(self.data, "master.key"), 0o644)
        code, _, err = run_cli("keys", "list", "--data", self.data, check=False)
        self.assertEqual(code, 1)
        self.assertIn("chmod 600", err)


class ClientCommandsTest(GatehouseTestCase):
    def setUp(self):
        super().setUp()
        self.init()

    def test_create_get_list_delete(self):
        _, created, _ = run_cli("client", "create", "--data", self.data, "--name", "Shop",
                                "--redirect-uri", "https://shop.example.com/cb",
                                "--post-logout-redirect-uri", "https://shop.example.com/")
        cid = created["client_id"]
        _, got, _ = run_cli("client", "get", "--data", self.data, cid)
        self.assertEqual(got["name"], "Shop")
        self.assertEqual(got["redirect_uris"], ["https://shop.example.com/cb"])
        self.assertEqual(got["post_logout_redirect_uris"], ["https://shop.example.com/"])
        self.assertNotIn("client_secret", got)
        _, listed, _ = run_cli("client", "list", "--data", self.data)
        self.assertIn(cid, [c["client_id"] for c in listed])
        run_cli("client", "delete", "--data", self.data, cid)
        code, _, err = run_cli("client", "get", "--data", self.data, cid, check=False)
        self.assertEqual(code, 1)
        self.assertIn("no client " + cid, err)

    def test_redirect_uri_add_remove_exact(self):
        _, created, _ = run_cli("client", "create", "--data", self.data, "--name", "App")
        cid = created["client_id"]
        for uri in ["https://app.example.com/cb", "https://app.example.com/cb?x=1", "http://127.0.0.1:9999/cb",
                    "com.example.app:/oauth"]:
            run_cli("client", "add-redirect-uri", "--data", self.data, cid, uri)
        code, _, err = run_cli("client", "add-redirect-uri", "--data", self.data, cid, "https://app.example.com/cb",
                               check=False)
        self.assertEqual(code, 1)
        self.assertIn("already has", err)
        _, after, _ = run_cli("client", "remove-redirect-uri", "--data", self.data, cid, "https://app.example.com/cb")
        self.assertEqual(after["redirect_uris"],
                         ["https://app.example.com/cb?x=1", "http://127.0.0.1:9999/cb", "com.example.app:/oauth"])
        run_cli("client", "add-post-logout-redirect-uri", "--data", self.data, cid, "https://app.example.com/bye")
        _, after, _ = run_cli("client", "remove-post-logout-redirect-uri", "--data", self.data, cid,
                              "https://app.example.com/bye")
        self.assertEqual(after["post_logout_redirect_uris"], [])

    def test_dangerous_redirect_uris_are_refused(self):
        _, created, _ = run_cli("client", "create", "--data", self.data, "--name", "App")
        cid = created["client_id"]
        for bad in ["javascript:alert(1)", "data:text/html,x", "http://evil.example.com/cb",
                    "https://a.example.com/cb#frag", "https://a.example.com/c b", "/relative", "x" * 2100,
                    "JavaScript://%0aalert(1)", "file:///etc/passwd"]:
            code, _, err = run_cli("client", "add-redirect-uri", "--data", self.data, cid, bad, check=False)
            self.assertEqual(code, 1, bad)
            self.assertEqual(len(err.strip().splitlines()), 1)
        _, got, _ = run_cli("client", "get", "--data", self.data, cid)
        self.assertEqual(got["redirect_uris"], [])

    def test_clients_edited_while_server_runs(self):
        with Server(self.data) as server:
            _, created, _ = run_cli("client", "create", "--data", self.data, "--name", "Live",
                                    "--redirect-uri", "https://live.example.com/cb")
            self.assertEqual(server.get("/healthz")[0], 200)
            _, got, _ = run_cli("client", "get", "--data", self.data, created["client_id"])
            self.assertEqual(got["redirect_uris"], ["https://live.example.com/cb"])


class ClientTokenFieldsTest(GatehouseTestCase):
    def setUp(self):
        super().setUp()
        self.init()

    def test_scopes_organization_and_backchannel_uri(self):
        _, org, _ = run_cli("org", "create", "--data", self.data, "--name", "Acme")
        _, created, _ = run_cli("client", "create", "--data", self.data, "--name", "Machine",
                                "--scope", "read:users", "--scope", "write:users", "--organization", org["id"],
                                "--backchannel-logout-uri", "https://app.example.com/bcl")
        _, got, _ = run_cli("client", "get", "--data", self.data, created["client_id"])
        self.assertEqual(got["scopes"], ["read:users", "write:users"])
        self.assertEqual(got["organization_id"], org["id"])
        self.assertEqual(got["backchannel_logout_uri"], "https://app.example.com/bcl")
        _, listed, _ = run_cli("client", "list", "--data", self.data)
        plain = [c for c in listed if c["client_id"] != created["client_id"]][0]
        self.assertEqual((plain["scopes"], plain["organization_id"], plain["backchannel_logout_uri"]), ([], "", ""))
        _, local, _ = run_cli("client", "create", "--data", self.data, "--name", "Dev",
                              "--backchannel-logout-uri", "http://127.0.0.1:9000/bcl")
        self.assertEqual(local["backchannel_logout_uri"], "http://127.0.0.1:9000/bcl")

    def test_bad_scopes_organizations_and_backchannel_uris_are_refused(self):
        _, before, _ = run_cli("client", "list", "--data", self.data)
        for flags in (["--scope", ""], ["--scope", "a b"], ["--scope", "x" * 129], ["--scope", 'a"b'],
                      ["--scope", "a\\b"], ["--scope", "é"], ["--scope", "a", "--scope", "a"],
                      ["--organization", "org_missing"],
                      ["--backchannel-logout-uri", "http://app.example.com/bcl"],
                      ["--backchannel-logout-uri", "com.example.app:/bcl"],
                      ["--backchannel-logout-uri", "https://app.example.com/bcl#f"],
                      ["--backchannel-logout-uri", "/relative"]):
            code, _, err = run_cli("client", "create", "--data", self.data, "--name", "X", *flags, check=False)
            self.assertEqual(code, 1, flags)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
        _, after, _ = run_cli("client", "list", "--data", self.data)
        self.assertEqual(after, before)


class CliErrorsTest(GatehouseTestCase):
    def assert_one_line_error(self, args, code=1, contains=None):
        rc, _, err = run_cli(*args, check=False)
        self.assertEqual(rc, code, (args, err))
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("gatehouse: "), err)
        if contains:
            self.assertIn(contains, lines[0])

    def test_unknown_flag_and_missing_arguments(self):
        self.assert_one_line_error(["serve", "--data", self.data, "--bogus"], code=2)
        self.assert_one_line_error(["client", "get"], code=2)
        self.assert_one_line_error(["frobnicate"], code=2)

    def test_missing_data_dir(self):
        self.assert_one_line_error(["serve", "--data", os.path.join(self.tmp, "nope")], contains="gatehouse init")
        self.assert_one_line_error(["client", "list", "--data", os.path.join(self.tmp, "nope")], contains="does not exist")

    def test_corrupt_store(self):
        self.init()
        with open(os.path.join(self.data, "gatehouse.db"), "wb") as f:
            f.write(b"this is not a database" * 100)
        self.assert_one_line_error(["serve", "--data", self.data], contains="damaged or not a Gatehouse database")
        self.assert_one_line_error(["client", "list", "--data", self.data], contains="damaged")

    def test_port_in_use(self):
        self.init()
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        try:
            self.assert_one_line_error(["serve", "--data", self.data, "--listen", f"127.0.0.1:{port}"],
                                       contains="already in use")
        finally:
            blocker.close()

    def test_bad_flag_values(self):
        self.init()
        self.assert_one_line_error(["serve", "--data", self.data, "--listen", "nonsense"], contains="--listen")
        self.assert_one_line_error(["serve", "--data", self.data, "--signing-alg", "HS256"], contains="RS256")
        self.assert_one_line_error(["serve", "--data", self.data, "--idle-timeout", "soon"], contains="--idle-timeout")
        self.assert_one_line_error(["serve", "--data", self.data, "--store", "mysql://x"], contains="sqlite:")
        self.assert_one_line_error(["serve", "--data", self.data, "--store", "postgres://localhost/gh"],
                                   contains="not supported yet")

    def test_flags_from_environment(self):
        self.init()
        rc, _, err = run_cli("serve", env={"GATEHOUSE_DATA": self.data, "GATEHOUSE_LISTEN": "nonsense"}, check=False)
        self.assertEqual(rc, 1)
        self.assertIn("--listen", err)

    def test_help_lists_commands(self):
        rc, out, _ = run_cli("--help", check=False)
        self.assertEqual(rc, 0)
        for word in ["init", "serve", "client", "keys"]:
            self.assertIn(word, out)


if __name__ == "__main__":
    unittest.main()
