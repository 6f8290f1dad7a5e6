// Internal to src/connectors/mail: the pure pieces of the transport (address and URL parsing,
// the TLS decision), declared here so that the unit tests can check them without a server.
// Nothing outside this directory includes this header; the public API is mailer.h.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail::internal {

// A parsed SmtpOptions::from.
struct Mailbox {
  std::string display_name;  // UTF-8, unquoted and unescaped; empty when there is none
  std::string address;       // passes CheckAddress
};

// RFC 5322 §3.2.3 atext: the characters of an unquoted local part or display-name word.
bool IsAtext(char c);

// Parses "addr@example.com", "Name <addr@example.com>" or "\"Name, Inc.\" <addr@example.com>".
// kInvalidArgument (naming "from", never echoing it) on CR/LF/NUL or another control character,
// invalid UTF-8, unbalanced quotes or angle brackets, or an address CheckAddress refuses.
Result<Mailbox> ParseMailbox(std::string_view from);

// The checks BuildMessage applies to a Message's own fields (to, subject, text, html); shared
// with the log mailer, so development refuses what production would.
Status CheckMessage(const Message& message);

// What CURLOPT_USE_SSL will demand of an smtp:// session.
enum class TlsUse {
  kNone,      // never STARTTLS (SmtpOptions::StartTls::kNever)
  kTry,       // STARTTLS when offered (kAuto towards loopback)
  kRequired,  // fail unless TLS: STARTTLS must be offered, or smtps://
};

// A validated SmtpOptions::url.
struct SmtpEndpoint {
  std::string url;  // as libcurl re-serialises it, e.g. "smtp://127.0.0.1:2525/"
  std::string host;  // IPv6 without brackets
  bool implicit_tls = false;  // smtps://
  bool loopback = false;
  TlsUse tls = TlsUse::kRequired;
};

// Parses and checks `url` (see SmtpOptions::url) and decides the TLS rule for `starttls`.
Result<SmtpEndpoint> ParseSmtpUrl(std::string_view url, SmtpOptions::StartTls starttls);


}  // namespace gatehouse::connectors::mail::internal
