// SMTP delivery through libcurl. Easy handles are pooled: a handle keeps its SMTP session open
// after a successful Send, so the next Send on it skips the TCP (and TLS) connect, the greeting,
// EHLO and AUTH (a new session per email was 16% of the server's CPU in a login; bench/RESULTS.md).
// A Send takes a handle from the pool under a short lock and gives it back after; a handle whose
// Send failed is closed, so a session in an unknown state is never reused. libcurl checks that a
// kept connection is still alive before reusing it, and does not reuse one idle for more than
// CURLOPT_MAXAGE_CONN (its default, 118 s, under the 5 minutes RFC 5321 §4.5.3.2.7 lets servers
// wait); a session the server ended meanwhile costs one failed attempt, which the retrying
// mailer repeats on a new connection.
//
// Error mapping. libcurl reports most SMTP refusals as CURLE_SEND_ERROR, whatever the stage, and
// its error text differs between versions. So the mapping watches the dialogue through the debug
// callback instead: the verb of the last command sent (only the verb, from a fixed list: the
// arguments hold addresses, and AUTH continuation lines hold the credentials) and the reply code
// to it. A 4xx reply is transient; a 5xx reply is permanent and its meaning depends on the verb
// (mailer.h lists the codes). Without a reply, the CURLcode decides.
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/curl_pool.h"
#include "connectors/mail/internal.h"
#include "common/strings.h"
#include "common/url.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

using internal::SmtpEndpoint;
using internal::TlsUse;

// curl_global_init must run once before any other libcurl call and is not thread-safe in every
// build; a function-local static runs it exactly once, on whichever thread sends first.
bool CurlReady() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

std::optional<std::string> UrlPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

// What the SMTP dialogue has reached; filled by OnDebug.
struct Trace {
  std::string_view verb;  // the last command sent; empty before the first (the greeting)
  int reply = 0;          // the reply to that command; 0 until it arrives
  int enhanced = -1;      // the subject digit of an RFC 3463 code ("5.7.1" gives 7), or -1
  bool quit = false;      // libcurl says QUIT after a failure too: the trace stops there

  void OnCommand(std::string_view line) {
    static constexpr std::array<std::string_view, 8> kVerbs = {"EHLO", "HELO", "STARTTLS", "AUTH",
                                                               "MAIL", "RCPT", "DATA",     "RSET"};
    if (quit) return;
    if (line.substr(0, 4) == "QUIT") {
      quit = true;
      return;
    }
    for (std::string_view v : kVerbs) {
      if (line.substr(0, v.size()) == v && (line.size() == v.size() || line[v.size()] == ' ' || line[v.size()] == '\r')) {
        verb = v;
        reply = 0;
        enhanced = -1;
        return;
      }
    }
    // Anything else is an AUTH continuation (base64 credentials): not looked at, not kept.
  }

  void OnReply(std::string_view line) {
    auto digit = [&](std::size_t i) { return i < line.size() && line[i] >= '0' && line[i] <= '9'; };
    if (quit || !digit(0) || !digit(1) || !digit(2)) return;
    reply = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    enhanced = -1;
    // "550 5.1.1 ..." or "550-5.1.1 ...": class digit, '.', subject digits, '.'.
    if (line.size() > 7 && (line[3] == ' ' || line[3] == '-') && digit(4) && line[5] == '.' && digit(6)) {
      enhanced = line[6] - '0';
      if (digit(7)) enhanced = enhanced * 10 + (line[7] - '0');
    }
  }
};

int OnDebug(CURL*, curl_infotype type, char* data, std::size_t size, void* userp) {
  auto* trace = static_cast<Trace*>(userp);
  if (type == CURLINFO_HEADER_OUT) trace->OnCommand(std::string_view(data, size));
  if (type == CURLINFO_HEADER_IN) trace->OnReply(std::string_view(data, size));
  return 0;
}

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t ReadBody(char* buffer, std::size_t size, std::size_t nitems, void* userp) {
  auto* up = static_cast<Upload*>(userp);
  const std::size_t n = std::min(size * nitems, up->data.size() - up->pos);
  std::memcpy(buffer, up->data.data() + up->pos, n);
  up->pos += n;
  return n;
}

Status Classify(CURLcode rc, const Trace& trace, const char* errbuf) {
  const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_USE_SSL_FAILED:
      return FailedPreconditionError("smtp: TLS is required but the server does not offer STARTTLS");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      // Not transient: a certificate that does not verify now will not verify in 200 ms, and it
      // may be an interception.
      return FailedPreconditionError("smtp: the server's TLS certificate was not accepted: " + detail);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return InternalError("smtp: libcurl failed: " + detail);
    default:
      break;
  }
  const std::string at = " (" + std::string(trace.verb.empty() ? "greeting" : trace.verb) + " " +
                         std::to_string(trace.reply) + ")";
  if (trace.reply >= 400 && trace.reply < 500) return UnavailableError("smtp: the server deferred" + at);
  if (trace.reply >= 500 && trace.reply < 600) {
    if (rc == CURLE_LOGIN_DENIED || trace.verb == "AUTH") {
      return UnauthenticatedError("smtp: the server refused the username and password" + at);
    }
    if (trace.verb == "RCPT") {
      // 5.7.x is policy ("relay access denied"): the sender's configuration, not the address.
      if (trace.enhanced == 7) return PermissionDeniedError("smtp: the server refused to relay to the recipient" + at);
      return InvalidArgumentError("smtp: the server refused the recipient" + at);
    }
    if (trace.verb == "MAIL") return PermissionDeniedError("smtp: the server refused the sender" + at);
    if (trace.verb == "DATA") return PermissionDeniedError("smtp: the server refused the message" + at);
    return PermissionDeniedError("smtp: the server refused the session" + at);
  }
  if (rc == CURLE_LOGIN_DENIED) {
    return FailedPreconditionError("smtp: no AUTH mechanism in common with the server: " + detail);
  }
  // Connection refused, name not resolved, timeouts, a TLS handshake or a connection that broke.
  return UnavailableError("smtp: " + detail);
}

// As many idle sessions as the threads that send at once could use (the transport's blocking
// pool).
constexpr std::size_t kMaxIdleSessions = 16;

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(const SmtpOptions& options, SmtpEndpoint endpoint, std::string envelope_from, Clock& clock,
             Random& random)
      : options_(options),
        endpoint_(std::move(endpoint)),
        envelope_from_(std::move(envelope_from)),
        clock_(clock),
        random_(random) {}

  Status Send(const Message& message) override {
    ASSIGN_OR_RETURN(const std::string body, BuildMessage(message, options_.from, clock_, random_));
    if (!CurlReady()) return InternalError("smtp: curl_global_init failed");
    CurlHandle curl = pool_.Take();
    if (!curl) return InternalError("smtp: curl_easy_init failed");
    const std::string rcpt_to = "<" + message.to + ">";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(curl_slist_append(nullptr, rcpt_to.c_str()),
                                                                     curl_slist_free_all);
    if (!rcpt) return InternalError("smtp: out of memory");

    Upload upload{body};
    Trace trace;
    char errbuf[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    CURLcode rc = CURLE_OK;
    auto set = [&rc](CURLcode r) {
      if (rc == CURLE_OK) rc = r;
    };
    set(curl_easy_setopt(h, CURLOPT_URL, endpoint_.url.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
    // No signals: libcurl runs on request threads, and SIGALRM-based DNS timeouts are not
    // thread-safe. The process ignores SIGPIPE instead (app/main.cc).
    set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_USE_SSL, endpoint_.tls == TlsUse::kNone  ? static_cast<long>(CURLUSESSL_NONE)
                                             : endpoint_.tls == TlsUse::kTry ? static_cast<long>(CURLUSESSL_TRY)
                                                                             : static_cast<long>(CURLUSESSL_ALL)));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
    if (!options_.ca_file.empty()) set(curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str()));
    if (!options_.username.empty()) {
      set(curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str()));
      set(curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str()));
    }
    set(curl_easy_setopt(h, CURLOPT_MAIL_FROM, envelope_from_.c_str()));
    set(curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get()));
    set(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
    set(curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadBody));
    set(curl_easy_setopt(h, CURLOPT_READDATA, &upload));
    set(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size())));
    set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
    // VERBOSE only routes the dialogue to OnDebug; nothing is printed.
    set(curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, OnDebug));
    set(curl_easy_setopt(h, CURLOPT_DEBUGDATA, &trace));
    set(curl_easy_setopt(h, CURLOPT_VERBOSE, 1L));
    if (rc != CURLE_OK) return InternalError(std::string("smtp: cannot configure libcurl: ") + curl_easy_strerror(rc));

    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      pool_.GiveBack(std::move(curl));
      return Status::Ok();
    }
    return Classify(rc, trace, errbuf);  // the handle, and the session with it, closes here
  }

 private:
  CurlHandlePool pool_{kMaxIdleSessions};
  const SmtpOptions options_;
  const SmtpEndpoint endpoint_;
  const std::string envelope_from_;  // "<addr>"
  Clock& clock_;
  Random& random_;
};

Status BadUrl(std::string_view why) { return InvalidArgumentError("smtp url: " + std::string(why)); }

}  // namespace

namespace internal {

Result<SmtpEndpoint> ParseSmtpUrl(std::string_view url, SmtpOptions::StartTls starttls) {
  if (url.empty()) return BadUrl("is empty");
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return BadUrl("contains white space, a control character or non-ASCII");
  }
  const std::string lower = AsciiLower(url);
  SmtpEndpoint out;
  if (lower.rfind("smtps://", 0) == 0) {
    out.implicit_tls = true;
  } else if (lower.rfind("smtp://", 0) != 0) {
    return BadUrl("scheme must be smtp:// or smtps://");
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed) return InternalError("smtp url: out of memory");
  if (CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0); rc != CURLUE_OK) {
    if (rc == CURLUE_NO_HOST) return BadUrl("has no host");
    return BadUrl(std::string("cannot be parsed: ") + curl_url_strerror(rc));
  }
  if (UrlPart(parsed.get(), CURLUPART_USER) || UrlPart(parsed.get(), CURLUPART_PASSWORD) ||
      UrlPart(parsed.get(), CURLUPART_OPTIONS)) {
    return BadUrl("must not hold credentials or login options; set username and password");
  }
  std::optional<std::string> host = UrlPart(parsed.get(), CURLUPART_HOST);
  if (!host || host->empty()) return BadUrl("has no host");
  if (std::optional<std::string> port = UrlPart(parsed.get(), CURLUPART_PORT); port && *port == "0") {
    return BadUrl("has port 0");
  }
  if (std::optional<std::string> path = UrlPart(parsed.get(), CURLUPART_PATH); path && !path->empty() && *path != "/") {
    return BadUrl("must not have a path (libcurl would send it as the EHLO name)");
  }
  if (UrlPart(parsed.get(), CURLUPART_QUERY) || UrlPart(parsed.get(), CURLUPART_FRAGMENT)) {
    return BadUrl("must not have a query or a fragment");
  }
  std::optional<std::string> normalized = UrlPart(parsed.get(), CURLUPART_URL);
  if (!normalized) return InternalError("smtp url: libcurl cannot serialise it");
  out.url = *normalized;
  out.host = *host;
  if (out.host.size() >= 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  out.loopback = IsLoopbackHost(out.host);
  if (out.implicit_tls) {
    if (starttls == SmtpOptions::StartTls::kNever) return BadUrl("smtps:// is always TLS; starttls=never contradicts it");
    out.tls = TlsUse::kRequired;
  } else if (starttls == SmtpOptions::StartTls::kNever) {
    out.tls = TlsUse::kNone;
  } else if (starttls == SmtpOptions::StartTls::kAuto && out.loopback) {
    out.tls = TlsUse::kTry;
  } else {
    out.tls = TlsUse::kRequired;
  }
  return out;
}

}  // namespace internal

Result<std::unique_ptr<Mailer>> NewSmtpMailer(const SmtpOptions& options, Clock& clock, Random& random) {
  ASSIGN_OR_RETURN(SmtpEndpoint endpoint, internal::ParseSmtpUrl(options.url, options.starttls));
  ASSIGN_OR_RETURN(internal::Mailbox from, internal::ParseMailbox(options.from));
  if (options.username.empty() != options.password.empty()) {
    return InvalidArgumentError(options.username.empty() ? "smtp: password set without a username"
                                                         : "smtp: username set without a password");
  }
  // libcurl takes C strings: a NUL would silently cut the credential short.
  if (options.username.find('\0') != std::string::npos || options.password.find('\0') != std::string::npos) {
    return InvalidArgumentError("smtp: username or password contains NUL");
  }
  if (!options.ca_file.empty() && ::access(options.ca_file.c_str(), R_OK) != 0) {
    return InvalidArgumentError("smtp: ca_file cannot be read: " + options.ca_file);
  }
  if (options.timeout.count() <= 0) return InvalidArgumentError("smtp: timeout must be positive");
  return std::unique_ptr<Mailer>(
      std::make_unique<SmtpMailer>(options, std::move(endpoint), "<" + from.address + ">", clock, random));
}

}  // namespace gatehouse::connectors::mail
