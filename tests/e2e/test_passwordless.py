"""Passwordless sign-in over HTTP: the real server, a real SMTP server (tests/support/smtp_sink.py)
and a hand-rolled browser (http.client, a cookie jar kept by hand, redirects never followed).

Each journey starts at /oauth/authorize as an application would, reads the CSRF token and the
transaction from the HTML forms, reads the code and the magic link from the delivered email, and
checks the authorization response (302 to the redirect URI, or the form_post page). Rate limits,
restarts and two nodes on one SQLite file get servers (and data directories) of their own.
"""
import unittest

from passwordless_support import *  # noqa: F401,F403 (the suite's shared vocabulary)


class SharedServerTest(SharedServer, PasswordlessCase):
    """Journeys against one server with generous limits (each test uses its own addresses)."""

    tmp_prefix = "gh-pwl-"

    @classmethod
    def prepare_data(cls, data):
        cls.client_id = run_cli("init", "--data", data, "--issuer", ISSUER, "--redirect-uri", REDIRECT)[1]["client_id"]

    def address(self):
        return f"{self._testMethodName.replace('_', '-')}-{os.urandom(3).hex()}@example.com"

    def signed_in(self, address=None):
        """A browser signed in through the code flow; returns (browser, address)."""
        browser, address = Browser(), address or self.address()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, address)
        self.assert_code_response(browser.submit(self.server, form, code=mail.code), params)
        self.assertIn("gh_session", browser.cookies)
        return browser, address

    def test_code_flow(self):
        browser, address = Browser(), self.address()
        params, page, form, mail = self.send_email(self.server, self.sink, browser, self.client_id,
                                                   address.upper().replace("@EXAMPLE.COM", "@Example.com"))
        # The address is normalised to lowercase; the page names it and asks for the code.
        self.assertEqual(mail.envelope["rcpt_tos"], [address])
        self.assertEqual(mail.to, address)
        self.assertEqual(mail.subject, f"Finish signing up for {APP_NAME}")  # a new user
        self.assertIn(address, page.text)
        self.assertRegex(mail.code, r"^\d{6}$")
        self.assertTrue(mail.link.startswith(ISSUER + "/login/magic?token="), mail.link)
        self.assertIn(mail.code, mail.html)
        code_input = [i for i in form["inputs"] if i.get("name") == "code"][0]
        self.assertEqual(code_input.get("autocomplete"), "one-time-code")
        self.assertEqual(code_input.get("inputmode"), "numeric")

        r = browser.submit(self.server, form, code=mail.code)
        code = self.assert_code_response(r, params)
        session = browser.cookies.get("gh_session")
        self.assertTrue(session, "signing in sets the session cookie")
        self.assertIn("HttpOnly", r.header("set-cookie"))
        row = self.code_row(self.cls_data, code)
        self.assertIsNotNone(row, "the code is stored under its hash")
        self.assertEqual(row["code_challenge"], CHALLENGE)
        self.assertEqual(row["nonce"], params["nonce"])
        self.assertEqual(row["client_id"], self.client_id)
        self.assertEqual(row["redirect_uri"], REDIRECT)
        self.assertEqual(row["auth_method"], "otp")

        # The second sign-in of the same address is a sign-in, not a sign-up.
        other = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, other, self.client_id, address)
        self.assertEqual(mail.subject, f"Sign in to {APP_NAME}")
        self.assert_code_response(other.submit(self.server, form, code=mail.code), params)

    def test_code_is_single_use(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        self.assert_code_response(browser.submit(self.server, form, code=mail.code), params)
        again = browser.submit(self.server, form, code=mail.code)
        self.assertEqual(again.status, 400, again.text)
        self.assertNotIn("location", dict(again.headers))
        # ... and the link of that email is dead too.
        self.assertEqual(Browser().get(self.server, path_of(mail.link)).status, 400)

    def test_magic_link_in_the_same_browser(self):
        browser = Browser()
        params, _, _, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        r = browser.get(self.server, path_of(mail.link))
        code = self.assert_code_response(r, params)
        self.assertIn("gh_session", browser.cookies)
        self.assertEqual(self.code_row(self.cls_data, code)["auth_method"], "magic_link")
        # A used link: 400 in that browser and in any other.
        self.assertEqual(browser.get(self.server, path_of(mail.link)).status, 400)
        self.assertEqual(Browser().get(self.server, path_of(mail.link)).status, 400)

    def test_magic_link_in_another_browser_asks_first(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        # A mail scanner fetches the link: a confirmation page, nothing consumed, no session.
        scanner = Browser()
        page = scanner.get(self.server, path_of(mail.link))
        self.assertEqual(page.status, 200, page.text)
        self.assertNotIn("gh_session", scanner.cookies)
        self.assertIn("Sign in here", page.text)
        scanner_confirm = page.form("/login/magic")
        # The other device's user confirms.
        device = Browser()
        page = device.get(self.server, path_of(mail.link))
        self.assertEqual(page.status, 200, page.text)
        confirm = page.form("/login/magic")
        self.assertEqual(confirm["method"], "post")
        self.assertEqual(confirm["fields"]["token"], mail.link_token)
        r = device.submit(self.server, confirm)
        self.assert_code_response(r, params)
        self.assertIn("gh_session", device.cookies)
        # The link is used now: the scanner's page cannot be confirmed later, nor the code used.
        self.assertEqual(scanner.submit(self.server, scanner_confirm).status, 400)
        self.assertEqual(device.get(self.server, path_of(mail.link)).status, 400)
        self.assertEqual(browser.submit(self.server, form, code=mail.code).status, 400)

    def test_confirming_a_link_needs_the_csrf_token(self):
        _, _, _, mail = self.send_email(self.server, self.sink, Browser(), self.client_id, self.address())
        device = Browser()
        confirm = device.get(self.server, path_of(mail.link)).form("/login/magic")
        self.assertEqual(device.submit(self.server, confirm, csrf="x" * 43).status, 403)
        self.assertEqual(Browser().post(self.server, "/login/magic", confirm["fields"]).status, 403)

    def test_prompt_none_without_a_session(self):
        params, r = self.authorize(self.server, Browser(), self.client_id, prompt="none")
        self.assertEqual(r.status, 302, r.text)
        q = r.redirect_params()
        self.assertEqual(q["error"], "login_required")
        self.assertEqual(q["state"], params["state"])
        self.assertEqual(q["iss"], ISSUER)
        self.assertNotIn("code", q)

    def test_prompt_none_with_a_session(self):
        browser, _ = self.signed_in()
        params, r = self.authorize(self.server, browser, self.client_id, prompt="none")
        code = self.assert_code_response(r, params)  # straight from /oauth/authorize: no page
        self.assertEqual(r.body, b"")
        row = self.code_row(self.cls_data, code)
        self.assertEqual(row["nonce"], params["nonce"])
        self.assertEqual(row["code_challenge"], CHALLENGE)
        # Without prompt, a signed-in browser is not asked again either.
        params, r = self.authorize(self.server, browser, self.client_id)
        self.assert_code_response(r, params)

    def test_prompt_login_with_a_session_shows_the_login_page(self):
        browser, address = self.signed_in()
        _, form = self.open_login(self.server, browser, self.client_id, prompt="login")
        self.assertIn("email", form["fields"])
        # ... and signing in again works.
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, address,
                                                prompt="login")
        self.assert_code_response(browser.submit(self.server, form, code=mail.code), params)

    def test_form_post_response_mode(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address(),
                                                response_mode="form_post")
        r = browser.submit(self.server, form, code=mail.code)
        self.assertEqual(r.status, 200, r.text)
        self.assertIsNone(r.location)
        post = r.form(REDIRECT)
        self.assertEqual(post["method"], "post")
        self.assertEqual(set(post["fields"]), {"code", "state", "iss"})
        self.assertEqual(post["fields"]["state"], params["state"])
        self.assertEqual(post["fields"]["iss"], ISSUER)
        self.assertIsNotNone(self.code_row(self.cls_data, post["fields"]["code"]))
        self.assertIn("form-action https://app.example.com", r.header("content-security-policy"))
        self.assertIn("gh_session", browser.cookies)

    def test_five_wrong_codes_kill_the_code(self):
        browser = Browser()
        _, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
        for left in (4, 3, 2, 1):
            r = browser.submit(self.server, form, code=wrong)
            self.assertEqual(r.status, 400, r.text)
            self.assertIn(f"{left} attempt", r.text)
        r = browser.submit(self.server, form, code=wrong)
        self.assertEqual(r.status, 400)
        self.assertIn("Too many wrong codes", r.text)
        r = browser.submit(self.server, form, code=mail.code)
        self.assertEqual(r.status, 400, r.text)
        self.assertIn("Too many wrong codes", r.text)
        self.assertNotIn("gh_session", browser.cookies)

    def test_malformed_codes_are_400_and_not_attempts(self):
        browser = Browser()
        params, _, form, mail = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        for bad in ["12a456", "1234567", "12345", "", "１２３４５６", "12 456", "0x1234"] * 2:
            r = browser.submit(self.server, form, code=bad)
            self.assertEqual(r.status, 400, (bad, r.text))
            self.assertIn("6-digit code", r.text)
            self.assertIn('aria-invalid="true"', r.text)
        # More than max_attempts malformed codes were refused, yet the right one still works.
        self.assert_code_response(browser.submit(self.server, form, code=f" {mail.code} "), params)

    def test_resend_waits_for_the_cool_down(self):
        browser = Browser()
        params, page, form, first = self.send_email(self.server, self.sink, browser, self.client_id, self.address())
        resend = page.form("/login/passwordless/resend")
        r = browser.submit(self.server, resend)
        # Within the cool-down: 429 with Retry-After and the page (with the transaction) again.
        self.assert_too_many(r, 30)
        self.assertEqual(r.form("/login/passwordless/verify")["fields"]["tx"], form["fields"]["tx"])
        self.assertEqual(len(self.sink.to(first.to)), 1)


if __name__ == "__main__":
    unittest.main()
