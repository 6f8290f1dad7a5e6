"""The org, domain and connection commands against a real data directory, and their errors."""
import os
import sqlite3
import unittest

from harness import GatehouseTestCase, run_cli


class OrgTestCase(GatehouseTestCase):
    def setUp(self):
        super().setUp()
        self.init()

    def cli(self, *args):
        """Runs a command that must succeed; returns its JSON."""
        return run_cli(*args[:2], "--data", self.data, *args[2:])[1]

    def fails(self, *args, code=1, contains=None):
        """Runs a command that must fail with one 'gatehouse: ...' line; returns that line."""
        rc, out, err = run_cli(*args[:2], "--data", self.data, *args[2:], check=False)
        self.assertEqual(rc, code, (args, out, err))
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("gatehouse: "), err)
        if contains:
            self.assertIn(contains, lines[0])
        return lines[0]

    def new_org(self, name="Acme", *extra):
        return self.cli("org", "create", "--name", name, *extra)

    def assert_listed(self, listed, expected_ids, key="id"):
        """Lists are ordered by (created_at, id): times are in seconds, so rows made within one
        second come in id order, not creation order."""
        self.assertEqual([r["id"] for r in listed],
                         [r["id"] for r in sorted(listed, key=lambda r: (r["created_at"], r["id"]))])
        self.assertEqual(sorted(r[key] for r in listed), sorted(expected_ids))

    def rows(self, table):
        db = sqlite3.connect(os.path.join(self.data, "gatehouse.db"))
        try:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            db.close()


class OrgCommandsTest(OrgTestCase):
    def test_create_get_list_delete(self):
        acme = self.new_org("Acme Zoë GmbH", "--external-id", "crm-42")
        self.assertTrue(acme["id"].startswith("org_"))
        self.assertLessEqual(len(acme["id"]), 32)
        self.assertEqual(acme["display_name"], "Acme Zoë GmbH")
        self.assertEqual(acme["external_id"], "crm-42")
        self.assertGreater(acme["created_at"], 0)
        self.assertEqual(acme["updated_at"], acme["created_at"])
        beta = self.new_org("Beta")
        self.assertIsNone(beta["external_id"])

        got = self.cli("org", "get", acme["id"])
        self.assertEqual({k: got[k] for k in acme}, acme)
        self.assertEqual(got["domains"], [])
        self.assertEqual(got["connections"], [])
        self.assert_listed(self.cli("org", "list"), [acme["id"], beta["id"]])

        self.assertEqual(self.cli("org", "delete", acme["id"]), {"deleted": acme["id"]})
        self.fails("org", "get", acme["id"], contains="no organization '" + acme["id"] + "'")
        self.fails("org", "delete", acme["id"], contains="no organization")
        self.assertEqual([o["id"] for o in self.cli("org", "list")], [beta["id"]])

    def test_unknown_org(self):
        for cmd in [("org", "get"), ("org", "delete"), ("domain", "list")]:
            self.fails(*cmd, "org_doesnotexist", contains="no organization 'org_doesnotexist'")
        self.fails("domain", "add", "org_doesnotexist", "acme.example", contains="no organization")
        self.fails("connection", "create", "--type", "oidc", "--org", "org_doesnotexist", contains="no organization")
        self.fails("connection", "list", "--org", "org_doesnotexist", contains="no organization")

    def test_external_id_is_unique(self):
        self.new_org("One", "--external-id", "tenant-7")
        self.fails("org", "create", "--name", "Two", "--external-id", "tenant-7",
                   contains="external id 'tenant-7' already exists")
        self.new_org("Three", "--external-id", "TENANT-7")  # exact match only
        self.new_org("Four")
        self.new_org("Five")  # any number without one
        self.assertEqual(len(self.cli("org", "list")), 4)

    def test_name_and_external_id_validation(self):
        self.fails("org", "create", "--name", "", contains="1 to 200")
        self.fails("org", "create", "--name", "x" * 201, contains="1 to 200")
        self.new_org("ü" * 200)  # characters, not bytes
        self.fails("org", "create", "--name", "tab\there", contains="control characters")
        self.fails("org", "create", "--name", "line\nbreak", contains="control characters")
        self.fails("org", "create", "--name", "c1\u0085control", contains="control characters")
        self.fails("org", "create", "--name", "X", "--external-id", "", contains="1 to 255")
        self.fails("org", "create", "--name", "X", "--external-id", "e" * 256, contains="1 to 255")
        self.fails("org", "create", "--name", "X", "--external-id", "ünicode", contains="printable ASCII")
        self.new_org("X", "--external-id", "e" * 255)
        self.fails("org", "create", code=2)  # --name is required

    def test_org_delete_removes_its_domains_and_connections(self):
        gone = self.new_org("Gone")["id"]
        stay = self.new_org("Stay")["id"]
        self.cli("domain", "add", gone, "gone.example")
        self.cli("domain", "add", gone, "also-gone.example")
        self.cli("domain", "add", stay, "stay.example")
        c1 = self.cli("connection", "create", "--type", "oidc", "--org", gone)["id"]
        self.cli("connection", "create", "--type", "saml", "--org", gone)
        c3 = self.cli("connection", "create", "--type", "saml", "--org", stay)["id"]
        c4 = self.cli("connection", "create", "--type", "oauth", "--provider", "github")["id"]
        self.assertEqual((self.rows("domains"), self.rows("connections")), (3, 4))

        self.cli("org", "delete", gone)

        self.assertEqual((self.rows("domains"), self.rows("connections")), (1, 2))
        self.assertEqual(sorted(c["id"] for c in self.cli("connection", "list")), sorted([c3, c4]))
        self.fails("connection", "enable", c1, contains="no connection")
        # The released domain can be claimed again.
        self.cli("domain", "add", stay, "gone.example")


class DomainCommandsTest(OrgTestCase):
    def setUp(self):
        super().setUp()
        self.org = self.new_org("Acme")["id"]

    def test_add_list_remove(self):
        d = self.cli("domain", "add", self.org, "Acme.Example.")
        self.assertTrue(d["id"].startswith("dom_"))
        self.assertEqual(d["domain"], "acme.example")
        self.assertEqual(d["organization_id"], self.org)
        d2 = self.cli("domain", "add", self.org, "xn--exmple-cua.com")  # punycode of exämple.com
        self.assert_listed(self.cli("domain", "list", self.org), ["acme.example", "xn--exmple-cua.com"], "domain")
        self.assert_listed(self.cli("org", "get", self.org)["domains"], ["acme.example", "xn--exmple-cua.com"],
                           "domain")
        self.assertEqual(self.cli("domain", "remove", d["id"]), {"deleted": d["id"]})
        self.assertEqual(self.cli("domain", "list", self.org), [d2])
        self.fails("domain", "remove", d["id"], contains="no domain")
        self.fails("domain", "remove", "dom_neverexisted", contains="no domain")
        self.assertEqual(self.cli("domain", "list", self.new_org("Empty")["id"]), [])

    def test_a_domain_belongs_to_one_org(self):
        self.cli("domain", "add", self.org, "acme.example")
        other = self.new_org("Other")["id"]
        line = self.fails("domain", "add", other, "ACME.example",
                          contains="domain acme.example is already claimed by organization " + self.org)
        self.assertNotIn(other, line)
        self.fails("domain", "add", self.org, "acme.example", contains="already has domain acme.example")
        self.assertEqual(self.cli("domain", "list", other), [])
        # A subdomain is another name.
        self.cli("domain", "add", other, "eu.acme.example")

    def test_invalid_domains(self):
        label = "a" * 63
        longest = ".".join([label, label, label, "b" * 61])  # 253 characters
        for bad in ["a", "com", "-x.com", "x-.com", "x..com", ".x.com", "x.com..", "ex ample.com", "exämple.com",
                    "ex_ample.com", "example.com/path", "user@example.com", "http://example.com", "*.example.com",
                    "1.2.3.4", "a" * 64 + ".com", longest + "b", "", "."]:
            self.fails("domain", "add", self.org, "--", bad, contains="domain")
        self.assertEqual(self.cli("domain", "list", self.org), [])
        for good in ["a.b", "x-1.example", "123.example", label + ".com", longest, "Trailing.Dot.example."]:
            self.cli("domain", "add", self.org, good)
        self.assertEqual(len(self.cli("domain", "list", self.org)), 6)
        self.assertIn("trailing.dot.example", [d["domain"] for d in self.cli("domain", "list", self.org)])

    def test_non_ascii_message_asks_for_punycode(self):
        self.fails("domain", "add", self.org, "exämple.com", contains="punycode")


class ConnectionCommandsTest(OrgTestCase):
    def setUp(self):
        super().setUp()
        self.org = self.new_org("Acme")["id"]

    def test_create_each_type(self):
        oidc = self.cli("connection", "create", "--type", "oidc", "--org", self.org)
        self.assertTrue(oidc["id"].startswith("conn_"))
        self.assertEqual((oidc["type"], oidc["organization_id"], oidc["provider"], oidc["display_name"], oidc["enabled"]),
                         ("oidc", self.org, "custom", "", True))
        saml = self.cli("connection", "create", "--type", "saml", "--org", self.org, "--provider", "entra_id",
                        "--name", "Sign in with Entra ID", "--disabled")
        self.assertEqual((saml["type"], saml["provider"], saml["display_name"], saml["enabled"]),
                         ("saml", "entra_id", "Sign in with Entra ID", False))
        social = self.cli("connection", "create", "--type", "oauth", "--provider", "google", "--name", "Google")
        self.assertEqual((social["type"], social["organization_id"], social["provider"], social["enabled"]),
                         ("oauth", None, "google", True))
        pwl = self.cli("connection", "create", "--type", "passwordless")
        self.assertEqual((pwl["type"], pwl["organization_id"], pwl["provider"]), ("passwordless", None, "email"))
        self.assertNotIn("settings_json", pwl)
        for p in ["okta", "google_workspace", "onelogin", "jumpcloud", "ping", "auth0"]:
            self.cli("connection", "create", "--type", "oidc", "--org", self.org, "--provider", p)
        for p in ["microsoft", "github", "gitlab", "linkedin", "salesforce"]:
            self.cli("connection", "create", "--type", "oauth", "--provider", p)
        self.assertEqual(len(self.cli("connection", "list")), 4 + 6 + 5)

    def test_list_filters(self):
        other = self.new_org("Other")["id"]
        a = self.cli("connection", "create", "--type", "oidc", "--org", self.org)["id"]
        b = self.cli("connection", "create", "--type", "oauth", "--provider", "github")["id"]
        c = self.cli("connection", "create", "--type", "saml", "--org", other)["id"]
        d = self.cli("connection", "create", "--type", "passwordless", "--disabled")["id"]
        self.assert_listed(self.cli("connection", "list"), [a, b, c, d])
        self.assertEqual([x["id"] for x in self.cli("connection", "list", "--org", self.org)], [a])
        self.assertEqual([x["id"] for x in self.cli("connection", "list", "--org", other)], [c])
        self.assert_listed(self.cli("connection", "list", "--environment"), [b, d])
        self.assertEqual([x["id"] for x in self.cli("org", "get", other)["connections"]], [c])
        self.fails("connection", "list", "--org", self.org, "--environment", code=2)

    def test_enable_disable_delete(self):
        cid = self.cli("connection", "create", "--type", "oidc", "--org", self.org, "--provider", "okta")["id"]
        disabled = self.cli("connection", "disable", cid)
        self.assertFalse(disabled["enabled"])
        self.assertEqual(disabled["provider"], "okta")
        self.assertFalse(self.cli("connection", "list", "--org", self.org)[0]["enabled"])
        self.assertFalse(self.cli("connection", "disable", cid)["enabled"])  # idempotent
        self.assertTrue(self.cli("connection", "enable", cid)["enabled"])
        self.assertTrue(self.cli("connection", "list")[0]["enabled"])
        self.assertEqual(self.cli("connection", "delete", cid), {"deleted": cid})
        self.assertEqual(self.cli("connection", "list"), [])
        for cmd in ["enable", "disable", "delete"]:
            self.fails("connection", cmd, cid, contains="no connection '" + cid + "'")
        self.assertEqual(self.cli("org", "get", self.org)["connections"], [])

    def test_ownership_rules(self):
        self.fails("connection", "create", "--type", "oauth", "--provider", "google", "--org", self.org,
                   contains="drop --org")
        self.fails("connection", "create", "--type", "passwordless", "--org", self.org, contains="drop --org")
        self.fails("connection", "create", "--type", "oidc", contains="--org")
        self.fails("connection", "create", "--type", "saml", "--provider", "okta", contains="--org")
        self.assertEqual(self.cli("connection", "list"), [])

    def test_providers_and_types_are_checked(self):
        self.fails("connection", "create", "--type", "oidc", "--org", self.org, "--provider", "keycloak",
                   contains="unknown oidc provider 'keycloak'")
        self.fails("connection", "create", "--type", "saml", "--org", self.org, "--provider", "google",
                   contains="unknown saml provider")
        self.fails("connection", "create", "--type", "oauth", "--provider", "facebook",
                   contains="unknown oauth provider 'facebook'")
        self.fails("connection", "create", "--type", "oauth", "--provider", "okta", contains="unknown oauth provider")
        self.fails("connection", "create", "--type", "oauth", contains="needs --provider")
        self.fails("connection", "create", "--type", "passwordless", "--provider", "sms",
                   contains="unknown passwordless provider")
        self.fails("connection", "create", "--type", "ldap", contains="--type must be")
        self.fails("connection", "create", "--type", "OIDC", "--org", self.org, contains="--type must be")
        self.fails("connection", "create", "--type", "oauth", "--provider", "google", "--name", "x" * 201,
                   contains="--name")
        self.fails("connection", "create", code=2)  # --type is required
        self.assertEqual(self.cli("connection", "list"), [])

    def test_configure_validates_seals_the_secret_and_keeps_it(self):
        conn = self.cli("connection", "create", "--type", "oidc", "--org", self.org)
        self.assertFalse(conn["configured"])
        secret = os.path.join(self.data, "..", "upstream-secret")
        with open(secret, "w") as f:
            f.write("very-secret-value\n")
        settings = '{"issuer":"https://idp.example","client_id":"gatehouse"}'
        self.assertEqual(self.cli("connection", "configure", conn["id"], "--settings", settings,
                                  "--client-secret-file", secret),
                         {"id": conn["id"], "configured": True})
        self.assertTrue(self.cli("connection", "list")[0]["configured"])
        db = sqlite3.connect(os.path.join(self.data, "gatehouse.db"))
        stored = db.execute("SELECT settings_json FROM connections WHERE id = ?", (conn["id"],)).fetchone()[0]
        db.close()
        self.assertNotIn("very-secret-value", stored)
        self.assertIn("client_secret_sealed", stored)
        # Reconfigured without a secret: the sealed one stays.
        self.cli("connection", "configure", conn["id"], "--settings",
                 '{"issuer":"https://idp2.example","client_id":"gatehouse"}')
        db = sqlite3.connect(os.path.join(self.data, "gatehouse.db"))
        again = db.execute("SELECT settings_json FROM connections WHERE id = ?", (conn["id"],)).fetchone()[0]
        db.close()
        self.assertIn("idp2.example", again)
        self.assertIn("client_secret_sealed", again)

    def test_bad_settings_are_refused_and_nothing_is_written(self):
        conn = self.cli("connection", "create", "--type", "oidc", "--org", self.org)["id"]
        self.fails("connection", "configure", conn, "--settings", "{not json", contains="JSON object")
        self.fails("connection", "configure", conn, "--settings", '{"issuer":"http://idp.example","client_id":"x"}',
                   contains="issuer")
        self.fails("connection", "configure", conn, "--settings", '{"issuer":"https://idp.example","client_id":"x",'
                   '"extra":1}', contains="extra")
        self.fails("connection", "configure", conn, "--settings", '{"issuer":"https://idp.example"}',
                   contains="client_id")
        self.fails("connection", "configure", conn, "--client-secret-file", "/nonexistent/secret",
                   contains="cannot read")
        self.fails("connection", "configure", "conn_doesnotexist", "--settings", "{}", contains="no connection")
        pwl = self.cli("connection", "create", "--type", "passwordless")["id"]
        self.fails("connection", "configure", pwl, "--settings", "{}", contains="passwordless")
        self.fails("connection", "create", "--type", "saml", "--org", self.org, "--idp-metadata-file",
                   "/nonexistent/md.xml", contains="cannot read")
        self.fails("connection", "create", "--type", "oidc", "--org", self.org, "--settings", '{"client_id":"x"}',
                   contains="issuer")
        self.assertFalse(any(c["configured"] for c in self.cli("connection", "list")))
        self.assertEqual(len(self.cli("connection", "list")), 2)


class HelpTest(GatehouseTestCase):
    def test_help_lists_the_new_commands(self):
        rc, out, _ = run_cli("--help", check=False)
        self.assertEqual(rc, 0)
        for word in ["org", "domain", "connection"]:
            self.assertIn(word, out)
        rc, out, _ = run_cli("connection", "create", "--help", check=False)
        self.assertEqual(rc, 0)
        for word in ["--type", "--org", "--provider", "--name", "--disabled"]:
            self.assertIn(word, out)


if __name__ == "__main__":
    unittest.main()
