#!/usr/bin/python3
"""A real SMTP server on loopback for tests: it accepts mail and writes it to a directory.

Usage:
  /usr/bin/python3 tests/support/smtp_sink.py --dir DIR [--auth USER:PASS] [--auth-mechanisms LIST]
      [--starttls CERT KEY [--require-starttls] | --smtps CERT KEY] [--close-after-message]
      [--pipelining]

  --dir DIR             where messages go (created if missing)
  --auth USER:PASS      require SMTP AUTH with these credentials (PLAIN and LOGIN; allowed over
                        cleartext too: this is a loopback test server)
  --auth-mechanisms L   offer only these, comma-separated (PLAIN, LOGIN)
  --starttls CERT KEY   offer STARTTLS with this PEM certificate and key
  --require-starttls    refuse every command but EHLO/NOOP/QUIT/STARTTLS before TLS (530)
  --smtps CERT KEY      TLS from the first byte (implicit TLS, like port 465) instead
  --close-after-message end the session after each accepted message (as servers that limit
                        messages per connection do): the client must notice and reconnect
  --pipelining          announce PIPELINING (RFC 2920) in the reply to EHLO, as Postfix and Exim
                        do; aiosmtpd reads pipelined commands in order either way

Protocol:
  * Listens on 127.0.0.1 on a free port it chooses, then prints one line {"port": N} to stdout
    and flushes it: read that line to know it is ready. Nothing else goes to stdout.
  * Each accepted message n (1, 2, ... after any already in DIR) becomes DIR/<n>.json, the envelope
    {"mail_from", "rcpt_tos", "auth": {"user", "mechanism"} or null, "tls": bool, "peer_port": the
    client's TCP port (equal for messages sent over one connection)}, then DIR/<n>.eml,
    the message bytes exactly as received (after SMTP dot-unstuffing). Both are written to a
    temporary name and renamed, and both exist before the server answers 250: a client that got
    250 may read them at once, and a reader that sees <n>.eml also finds <n>.json.
  * Recipients steer failures: a local part of "reject" gets 550 5.1.1 at RCPT (permanent), one
    of "tempfail" gets 451 4.3.0 (transient), one of "relaydenied" gets 554 5.7.1 (policy).
  * A message to a local part of "hold" is held: the sink creates DIR/holding, then waits to
    answer its DATA until DIR/release exists (a test sees the mail server hang, then ends it).
  * Runs until SIGTERM or SIGINT, then closes the listener and exits 0.

Needs Debian's python3-aiosmtpd (1.4.x); run it with /usr/bin/python3, not another interpreter.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import types
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    sys.exit("smtp_sink: aiosmtpd is missing: apt-get install python3-aiosmtpd, run with /usr/bin/python3")

FAILURES = {
    "reject": "550 5.1.1 Mailbox unavailable",
    "tempfail": "451 4.3.0 Try again later",
    "relaydenied": "554 5.7.1 Relay access denied",
}


class Sink:
    """aiosmtpd handler: steers RCPT replies and writes each message to the directory."""

    def __init__(self, directory, close_after_message=False, pipelining=False):
        self.directory = directory
        self.close_after_message = close_after_message
        self.pipelining = pipelining
        # Continue after messages already there, so that a restarted sink overwrites nothing.
        numbers = [int(f[:-4]) for f in os.listdir(directory) if f.endswith(".eml") and f[:-4].isdigit()]
        self.count = max(numbers, default=0)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # With this hook aiosmtpd leaves the session's name to it, and MAIL needs one.
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        failure = FAILURES.get(address.rsplit("@", 1)[0].lower())
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(a.rsplit("@", 1)[0].lower() == "hold" for a in envelope.rcpt_tos):
            self._write("holding", b"")
            while not os.path.exists(os.path.join(self.directory, "release")):
                await asyncio.sleep(0.02)  # polls for the test's file; other sessions go on
        # Runs on the event loop thread only, so the counter needs no lock.
        self.count += 1
        n = self.count
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth": vars(session.auth_data) if session.authenticated else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "peer_port": session.peer[1],
        }
        self._write(f"{n}.json", json.dumps(meta).encode())
        self._write(f"{n}.eml", envelope.original_content)
        if self.close_after_message:
            # After the 250 is on its way: the reply is written before the transport closes.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"

    def _write(self, name, data):
        tmp = os.path.join(self.directory, f".{name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.directory, name))


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if auth_data.login != user.encode() or auth_data.password != password.encode():
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=types.SimpleNamespace(user=user, mechanism=mechanism))

    return check


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser(description="SMTP sink for tests (see the module docstring)")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--auth-mechanisms", metavar="LIST")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    tls.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--close-after-message", action="store_true")
    parser.add_argument("--pipelining", action="store_true")
    args = parser.parse_args()
    if args.require_starttls and not args.starttls:
        parser.error("--require-starttls needs --starttls")
    os.makedirs(args.dir, exist_ok=True)
    # aiosmtpd warns on every AUTH without TLS and on its own deprecations; errors still show.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")

    smtp_kwargs = {"hostname": "smtp-sink.test", "auth_require_tls": False}
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep:
            parser.error("--auth takes USER:PASS")
        smtp_kwargs.update(auth_required=True, authenticator=authenticator(user, password))
        if args.auth_mechanisms:
            offered = {m.strip().upper() for m in args.auth_mechanisms.split(",")}
            smtp_kwargs["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m not in offered]
    if args.starttls:
        smtp_kwargs.update(tls_context=tls_context(*args.starttls), require_starttls=args.require_starttls)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Sink(args.dir, close_after_message=args.close_after_message, pipelining=args.pipelining)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, loop=loop, **smtp_kwargs),
            host="127.0.0.1",
            port=0,
            ssl=tls_context(*args.smtps) if args.smtps else None,
        )
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, loop.stop)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        # Sessions still open (a client that did not QUIT) end here, quietly.
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
