// The email transport: hands a message that the caller has already written (recipient, subject,
// text and optional HTML) to a mail server. This layer knows nothing about login, templates or
// sign-in codes; it turns a Message into RFC 5322 + MIME text and delivers it over SMTP
// (libcurl opens the sessions; it is the only code that includes <curl/*>: scripts/check-layers).
//
// Layering: login -> connectors -> common. Clock and Random come from the caller (STYLE.md §2.13).
//
// Secrets: a message body holds sign-in codes and links, so no function here logs it or puts it
// into a Status message; neither does any function log or report the SMTP password. Status
// messages name the SMTP stage and reply code ("the server refused the recipient (RCPT 550)"),
// never the recipient.
//
// Thread safety: every Mailer may be called from any thread at the same time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"

namespace gatehouse::connectors::mail {

// One message to one recipient, composed by the caller.
struct Message {
  std::string to;       // a plain addr-spec: "user@example.com" (see CheckAddress)
  std::string subject;  // UTF-8, one line; non-ASCII is sent as RFC 2047 encoded-words
  std::string text;     // UTF-8 text/plain body; "\n" or "\r\n" line ends
  std::string html;     // UTF-8 text/html alternative; empty for a text-only message
};

class Mailer {
 public:
  virtual ~Mailer() = default;

  // Delivers `message`, returning once the server has accepted it (250 after DATA) or the
  // attempt has failed. Blocks the calling thread; at most SmtpOptions::timeout per attempt.
  // Errors, and whether retrying may help (NewRetryingMailer retries kUnavailable only):
  //   kInvalidArgument    the message is malformed (BuildMessage), or the server answered RCPT
  //                       with 5xx (unknown mailbox, bad domain): the address is the problem
  //   kUnavailable        transient: no connection, DNS, a timeout, a 4xx reply at any stage
  //                       (greylisting, 421, 451), a TLS handshake or connection that broke off,
  //                       replies that are not SMTP or come out of turn
  //   kUnauthenticated    the server refused the username/password (5xx to AUTH)
  //   kPermissionDenied   a 5xx that is about the sender, not the address: to MAIL (sender
  //                       refused; 530 when the server wants AUTH and none is configured), to
  //                       DATA (content policy), at the greeting, or a 5.7.x policy code to RCPT
  //                       ("relay access denied")
  //   kFailedPrecondition the configuration cannot work: TLS required but STARTTLS not offered,
  //                       the server certificate does not verify, no usable AUTH mechanism
  //   kInternal           libcurl could not be set up (out of memory, protocol not built in)
  // A kUnavailable after the body was sent (a timeout waiting for the final reply) may mean the
  // message was delivered anyway; a retry can then deliver it twice. For sign-in mail that is
  // the right trade (at-least-once).
  virtual Status Send(const Message& message) = 0;

 protected:
  Mailer() = default;
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;
};

struct SmtpOptions {
  // smtp://HOST[:PORT] (port 25 by default; 587 is usual for submission), TLS per `starttls`;
  // smtps://HOST[:PORT] (port 465 by default) for TLS from the first byte. HOST is a name, an
  // IPv4 address or a bracketed IPv6 address. No userinfo, path, query or fragment: credentials
  // go in `username`/`password`, so that the URL can be logged.
  std::string url;
  // The sender: "addr@example.com" or "Display Name <addr@example.com>" (the name may be UTF-8
  // and quoted). The address is also the envelope sender (MAIL FROM) and its domain ends the
  // Message-ID.
  std::string from;
  // SMTP AUTH (PLAIN or LOGIN, whichever the server offers; libcurl picks): both or neither.
  std::string username;
  std::string password;

  // When an smtp:// session upgrades to TLS with STARTTLS (RFC 3207). The rule: mail and
  // credentials never cross a network in cleartext unless the configuration says kNever.
  //   kAuto    STARTTLS is required, except towards a loopback host (127.0.0.0/8, ::1 or the
  //            name "localhost", which libcurl resolves itself, never through DNS): there it is
  //            used when offered (a local relay or test sink often has no certificate).
  //   kAlways  STARTTLS is required, loopback or not.
  //   kNever   never upgrade; for a relay on a trusted network that offers no TLS at all.
  // A session that requires TLS fails with kFailedPrecondition if STARTTLS is not offered.
  // smtps:// is TLS from the start, so kNever is refused with it. Certificates are always
  // verified (chain and host name), including a certificate offered on loopback.
  enum class StartTls { kAuto, kAlways, kNever };
  StartTls starttls = StartTls::kAuto;

  // A PEM CA bundle used instead of libcurl's default bundle file (CURLOPT_CAINFO), for a
  // private CA or the tests' self-signed certificate. Empty: the system's CAs. (Debian's libcurl
  // also searches the /etc/ssl/certs directory either way.)
  std::string ca_file;

  // The whole attempt (connect, TLS, the SMTP dialogue, the body) must finish in this time.
  std::chrono::milliseconds timeout{10000};
};

// Returns an SMTP mailer, or kInvalidArgument with a one-line message naming the bad option:
// a scheme other than smtp/smtps, a missing host, a bad port, userinfo/path/query in the URL,
// a malformed `from`, a username without a password (or the reverse), kNever with smtps://,
// an unreadable ca_file, a non-positive timeout. Nothing connects here: a server that is down
// shows up in Send.
// `clock` and `random` (Date, Message-ID, MIME boundary) must outlive the mailer.
// Sessions are kept open between Sends (at most 16 idle, each for at most 60 s) and reused; a
// Send whose session failed closes it. With a server that announces PIPELINING (RFC 2920),
// MAIL, RCPT and DATA go in one write.
// libcurl runs with CURLOPT_NOSIGNAL (it is called from many threads), so the process must
// ignore SIGPIPE, as app/main.cc does.
Result<std::unique_ptr<Mailer>> NewSmtpMailer(const SmtpOptions& options, Clock& clock, Random& random);

// The development transport: for each message writes, in one call of `write`, a block a human
// can read in a terminal: To, Subject, a blank line and the text part (not the HTML). Applies the
// same checks as BuildMessage, so a message it accepts is one SMTP would accept. It prints the
// body (sign-in codes) by design, so it must never be configured in production.
// `write` is called from the sending thread; it must be thread-safe if Send is called from
// several threads.
std::unique_ptr<Mailer> NewLogMailer(std::function<void(std::string_view)> write);

// Retries a transient failure (kUnavailable) up to `attempts` tries in all, sleeping
// first_backoff, first_backoff * multiplier, ... between them (200 ms then 600 ms by default; no
// jitter: one server sends little mail). Any other error is returned at once, unretried: a
// rejected recipient will be rejected again. attempts < 1 counts as 1; multiplier < 1 as 1.
// `sleep` is std::this_thread::sleep_for in production and a recorder in tests.
// Worst-case blocking: attempts * SmtpOptions::timeout plus the sleeps.
struct RetryPolicy {
  int attempts = 3;
  std::chrono::milliseconds first_backoff{200};
  double multiplier = 3;
};
std::unique_ptr<Mailer> NewRetryingMailer(std::unique_ptr<Mailer> inner, RetryPolicy policy,
                                          std::function<void(std::chrono::milliseconds)> sleep);

// OK when `address` is a plain addr-spec as this transport accepts it for Message::to: ASCII
// local@domain, with a dot-atom local part (RFC 5322 atext: no spaces, quotes, angle brackets
// or commas; at most 64 octets) and a domain of LDH labels (internationalised domains in
// punycode), 254 octets in all. Stricter than RFC 5322 on purpose: quoted local parts, comments
// and address literals are valid but are how header and envelope injection gets in.
Status CheckAddress(std::string_view address);

// The message as sent (RFC 5322 + MIME, CRLF line ends, every line <= 998 octets):
//   Date (from `clock`, UTC, "Fri, 15 Jan 2027 08:00:00 +0000"), From, To, Subject,
//   Message-ID (<32 hex random digits@the from domain>), MIME-Version,
//   Auto-Submitted: auto-generated (RFC 3834: vacation responders do not answer),
//   then a text/plain part, or multipart/alternative (text/plain then text/html) when html is
//   set; parts are charset=utf-8 and quoted-printable (lines <= 76).
// kInvalidArgument, naming the field but never echoing the value, when: a header value (subject,
// from) holds CR, LF or NUL (header injection); `to` fails CheckAddress; `from` is not
// "addr" or "Name <addr>" with addr as CheckAddress requires; subject, from, text or html is not
// valid UTF-8.
Result<std::string> BuildMessage(const Message& message, std::string_view from, Clock& clock, Random& random);

}  // namespace gatehouse::connectors::mail
