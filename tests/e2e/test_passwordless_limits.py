"""Passwordless sign-in over HTTP, what needs servers of its own: the rate limits (also across two
nodes on one SQLite file), restarts, a mail server that is down, --smtp log, --passwordless-type,
and that no secret reaches the server's log.
"""
import os
import threading
import unittest

from passwordless_support import *  # noqa: F401,F403 (the suite's shared vocabulary)


class LimitsTest(PasswordlessCase):
    """Each test: its own data directory (the counters live in the store) and SMTP sink."""

    def setUp(self):
        super().setUp()
        self.sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(self.sink.stop)

    def server(self, data, *extra):
        server = Server(data, "--smtp", self.sink.url, "--access-log", "false", *extra)
        self.addCleanup(server.__exit__)
        return server.start()

    def test_code_checks_per_ip(self):
        data, client_id = self.fresh_data_dir()
        server = self.server(data, "--rate-limit-verify-ip", "3")
        browser = Browser()
        _, _, form, mail = self.send_email(server, self.sink, browser, client_id, "ann@example.com")
        # Malformed codes are refused before the limit: they do not count.
        for _ in range(5):
            self.assertEqual(browser.submit(server, form, code="abcdef").status, 400)
        wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
        for _ in range(3):
            r = browser.submit(server, form, code=wrong)
            self.assertEqual(r.status, 400, r.text)
        r = browser.submit(server, form, code=wrong)
        self.assert_too_many(r, 300)
        # The right code, and the link, from this address are refused too while the window lasts.
        self.assert_too_many(browser.submit(server, form, code=mail.code), 300)
        self.assert_too_many(browser.get(server, path_of(mail.link)), 300)
        self.assertNotIn("gh_session", browser.cookies)

    def test_emails_per_address(self):
        data, client_id = self.fresh_data_dir()
        server = self.server(data, "--rate-limit-email", "2")
        for _ in range(2):
            self.send_email(server, self.sink, Browser(), client_id, "bob@example.com")
        browser = Browser()
        _, form = self.open_login(server, browser, client_id)
        r = browser.submit(server, form, email="Bob@Example.com")  # the same address, as typed differently
        self.assert_too_many(r, 900)
        self.assertEqual(len(self.sink.to("bob@example.com")), 2)
        # Another address from the same client is still served.
        self.send_email(server, self.sink, Browser(), client_id, "carol@example.com")

    def test_emails_per_ip(self):
        data, client_id = self.fresh_data_dir()
        server = self.server(data, "--rate-limit-ip", "2")
        self.send_email(server, self.sink, Browser(), client_id, "gia@example.com")
        self.send_email(server, self.sink, Browser(), client_id, "hoa@example.com")
        browser = Browser()
        _, form = self.open_login(server, browser, client_id)
        self.assert_too_many(browser.submit(server, form, email="ida@example.com"), 900)
        self.assertEqual(self.sink.to("ida@example.com"), [])

    def test_code_checks_per_ip_hold_across_two_nodes(self):
        data, client_id = self.fresh_data_dir()
        a = self.server(data, "--rate-limit-verify-ip", "4")
        b = self.server(data, "--rate-limit-verify-ip", "4")
        browser = Browser()
        _, _, form, mail = self.send_email(a, self.sink, browser, client_id, "dan@example.com")
        wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
        for node in (a, b, a, b):
            r = browser.submit(node, form, code=wrong)
            self.assertEqual(r.status, 400, r.text)
        self.assert_too_many(browser.submit(a, form, code=wrong), 300)
        self.assert_too_many(browser.submit(b, form, code=mail.code), 300)


class DurabilityTest(PasswordlessCase):
    def setUp(self):
        super().setUp()
        self.sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(self.sink.stop)

    def test_a_login_outlives_a_restart(self):
        data, client_id = self.fresh_data_dir()
        browser = Browser()
        with Server(data, "--smtp", self.sink.url, "--access-log", "false") as first:
            params, _, form, mail = self.send_email(first, self.sink, browser, client_id, "erin@example.com")
            self.assertEqual(first.terminate(), 0)
        with Server(data, "--smtp", self.sink.url, "--access-log", "false") as second:
            self.assert_code_response(browser.submit(second, form, code=mail.code), params)

    def test_a_link_sent_by_one_node_completes_on_another(self):
        data, client_id = self.fresh_data_dir()
        with Server(data, "--smtp", self.sink.url, "--access-log", "false") as a, \
                Server(data, "--smtp", self.sink.url, "--access-log", "false") as b:
            browser = Browser()
            params, _, _, mail = self.send_email(a, self.sink, browser, client_id, "finn@example.com")
            self.assert_code_response(browser.get(b, path_of(mail.link)), params)
            self.assertEqual(browser.get(a, path_of(mail.link)).status, 400)

    def server_with_mail_down(self, data):
        """A server whose --smtp points at a loopback port that refuses connections."""
        closed = refused_port()
        self.addCleanup(closed.close)
        return Server(data, "--smtp", f"smtp://127.0.0.1:{closed.getsockname()[1]}", "--access-log", "false")

    def test_mail_server_down(self):
        data, client_id = self.fresh_data_dir()
        with self.server_with_mail_down(data) as server:
            browser = Browser()
            _, form = self.open_login(server, browser, client_id)
            r = browser.submit(server, form, email="gus@example.com")
            self.assertEqual(r.status, 503, r.text)
            self.assertIn("could not send", r.text)
            # The page still carries the transaction: the code form and the "send again" form.
            self.assertTrue(r.form("/login/passwordless/resend")["fields"]["tx"])
            self.assertTrue(r.form("/login/passwordless/verify")["fields"]["tx"])
            wait_until(lambda: any("passwordless email not sent" in line for line in server.drain_log()),
                       what="the delivery failure on the log")

    def test_send_again_after_a_failed_delivery(self):
        # The 503 page offers "Send a new email"; nothing was delivered, so no cool-down applies:
        # the server tries again (and, the mail server still being down, says so again).
        data, client_id = self.fresh_data_dir()
        with self.server_with_mail_down(data) as server:
            browser = Browser()
            _, form = self.open_login(server, browser, client_id)
            failed = browser.submit(server, form, email="gus@example.com")
            self.assertEqual(failed.status, 503, failed.text)
            resend = failed.form("/login/passwordless/resend")
            r = browser.submit(server, resend)
            self.assertEqual((r.status, r.alert()), (503, "We could not send the email to gus@example.com. "
                                                         "Try again in a moment."))
            # ... and the code page does not claim that an email went out.
            page = browser.get(server, "/login/passwordless?tx=" + urllib.parse.quote(resend["fields"]["tx"]))
            self.assertEqual(page.status, 200)
            self.assertNotIn("We sent", page.text)

    def test_a_hanging_mail_server_does_not_stall_other_requests(self):
        # One event loop: if the email step sent its mail on it, nothing else would be answered
        # while the mail server hangs. The sink holds mail to hold@ until the test releases it.
        data, client_id = self.fresh_data_dir()
        sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(sink.stop)
        with Server(data, "--smtp", sink.url, "--access-log", "false", "--threads", "1") as server:
            browser = Browser()
            _, form = self.open_login(server, browser, client_id)
            answer = {}
            sending = threading.Thread(
                target=lambda: answer.setdefault("r", browser.submit(server, form, email="hold@example.com")))
            sending.start()
            wait_until(lambda: os.path.exists(os.path.join(sink.directory, "holding")), what="the mail server holding")
            # Answered while the email step is still waiting on the mail server.
            status, _, _ = server.get("/healthz")
            self.assertEqual(status, 200)
            _, page = self.authorize(server, Browser(), client_id)
            self.assertEqual(page.status, 302)
            self.assertTrue(sending.is_alive(), "the email step should still be waiting")
            open(os.path.join(sink.directory, "release"), "w").close()
            sending.join(timeout=30)
            self.assertEqual(answer["r"].status, 303, answer["r"].text)

    def test_smtp_log_prints_the_code_to_stdout(self):
        data, client_id = self.fresh_data_dir()
        out_path = os.path.join(self.tmp, "stdout.txt")
        with open(out_path, "wb") as out, Server(data, "--smtp", "log", "--access-log", "false", stdout=out) as server:
            browser = Browser()
            params, form = self.open_login(server, browser, client_id)
            r = browser.submit(server, form, email="hal@example.com")
            self.assertEqual(r.status, 303, r.text)

            def printed_code():
                with open(out_path) as f:
                    m = re.search(r"Your verification code is: (\d{6})", f.read())
                return m.group(1) if m else None
            code = wait_until(printed_code, timeout=10, what="the code on stdout")
            with open(out_path) as f:
                text = f.read()
            self.assertIn("To: hal@example.com", text)
            self.assertIn(ISSUER + "/login/magic?token=", text)
            page = browser.get(server, r.location)
            self.assert_code_response(browser.submit(server, page.form("/login/passwordless/verify"), code=code), params)
            # The development mailer is announced on the log.
            self.assertTrue(any("--smtp log" in line for line in server.drain_log()))


class PasswordlessTypeTest(PasswordlessCase):
    """--passwordless-type OTP (a code only) and LINK (a link only)."""

    def test_otp_only_and_link_only(self):
        sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(sink.stop)
        data, client_id = self.fresh_data_dir()
        with Server(data, "--smtp", sink.url, "--passwordless-type", "OTP", "--access-log", "false") as server:
            browser = Browser()
            params, page, form, mail = self.send_email(server, sink, browser, client_id, "kim@example.com")
            self.assertIsNone(mail.link, mail.text)
            self.assertNotIn("/login/magic", mail.html)
            self.assert_code_response(browser.submit(server, form, code=mail.code), params)
        with Server(data, "--smtp", sink.url, "--passwordless-type", "LINK", "--access-log", "false") as server:
            browser = Browser()
            params, form = self.open_login(server, browser, client_id)
            before = sink.count()
            r = browser.submit(server, form, email="lee@example.com")
            self.assertEqual(r.status, 303, r.text)
            mail = Mail(*sink.wait_for("lee@example.com", after=before)[1:])
            self.assertIsNone(mail.code, mail.text)
            page = browser.get(server, r.location)
            self.assertEqual(page.status, 200)
            self.assertEqual([f for f in Forms(page.text).forms if f["action"] == "/login/passwordless/verify"], [])
            # A code posted anyway is refused; the link signs in.
            resend = page.form("/login/passwordless/resend")
            r = browser.post(server, "/login/passwordless/verify", dict(resend["fields"], code="123456"))
            self.assertEqual(r.status, 400, r.text)
            self.assert_code_response(browser.get(server, path_of(mail.link)), params)


class LogHygieneTest(PasswordlessCase):
    def test_no_secret_reaches_the_log(self):
        sink = SmtpSink(os.path.join(self.tmp, "mail"))
        self.addCleanup(sink.stop)
        data, client_id = self.fresh_data_dir()
        secrets = {}
        server = Server(data, "--smtp", sink.url, "--log-level", "debug", "--access-log", "true")
        with server:
            # The code flow.
            browser = Browser()
            params, _, form, mail = self.send_email(server, sink, browser, client_id, "ivy@example.com")
            secrets["the emailed code"] = mail.code
            secrets["the emailed link token"] = mail.link_token
            r = browser.submit(server, form, code=mail.code)
            secrets["the authorization code (code flow)"] = self.assert_code_response(r, params)
            secrets["the session cookie"] = browser.cookies["gh_session"]
            secrets["the CSRF cookie"] = browser.cookies["gh_csrf"]
            # The link, confirmed in another browser.
            params, _, form, mail = self.send_email(server, sink, Browser(), client_id, "ivy@example.com")
            secrets["the second emailed code"] = mail.code
            secrets["the second link token"] = mail.link_token
            device = Browser()
            confirm = device.get(server, path_of(mail.link)).form("/login/magic")
            r = device.submit(server, confirm)
            secrets["the authorization code (link)"] = self.assert_code_response(r, params)
            secrets["the second session cookie"] = device.cookies["gh_session"]
            # A wrong code, and a session reused by prompt=none.
            params, _, form, mail = self.send_email(server, sink, Browser(), client_id, "jay@example.com")
            secrets["a code that was typed wrong"] = mail.code
            browser.submit(server, form, code=f"{(int(mail.code) + 1) % 1000000:06d}")
            params, r = self.authorize(server, browser, client_id, prompt="none")
            secrets["the authorization code (prompt=none)"] = self.assert_code_response(r, params)
            self.assertEqual(server.terminate(), 0)
        log = "\n".join(server.log_lines)
        self.assertIn("passwordless email sent", log)  # the log was captured at all
        self.assertIn("/login/magic", log)  # ... with the access log
        for what, value in secrets.items():
            self.assertTrue(value and len(value) >= 6, what)
            # A 6-digit code counts when it stands alone, not inside a longer id or number.
            pattern = r"(?<![A-Za-z0-9])" + re.escape(value) + r"(?![A-Za-z0-9])" if value.isdigit() else re.escape(value)
            found = re.search(pattern, log)
            self.assertIsNone(found, f"{what} appears in the server log: ...{log[max(0, found.start() - 200):found.end() + 50] if found else ''}")


if __name__ == "__main__":
    unittest.main()
