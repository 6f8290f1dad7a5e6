// SMTP delivery. libcurl opens each session (TCP, implicit TLS or STARTTLS with certificate
// checks, the greeting, EHLO, AUTH: CURLOPT_CONNECT_ONLY stops it there); the mail transactions
// on it are written here, over curl_easy_send/curl_easy_recv, because libcurl sends MAIL, RCPT
// and DATA one at a time and waits for each reply. When the server announces PIPELINING
// (RFC 2920) the three go in one write and the message follows the 354: two round trips per
// message instead of four, on a session kept open for the next one (bench/RESULTS.md).
//
// Sessions are pooled. A Send takes an idle one under a short lock, or opens a new one, and
// gives it back after a delivered message; a session whose Send failed is closed, so a session
// in an unknown state is never reused. An idle session is not reused when the server has
// written to it meanwhile (a 421 before closing, or the close itself) or when it has been idle
// for kMaxIdle (under the 5 minutes RFC 5321 §4.5.3.2.7 lets servers wait). A kept session the
// server closed anyway shows up before any reply; the message is then tried once more at once on
// a new session, since the server accepted nothing.
//
// Error mapping. While libcurl opens the session, its debug callback tracks the verb of the last
// command sent (only the verb, from a fixed list: the arguments hold addresses, and AUTH
// continuation lines hold the credentials) and the reply code to it, since libcurl reports most
// refusals as CURLE_LOGIN_DENIED or a generic error whatever the stage. The transactions are
// mapped from their own replies the same way. A 4xx reply is transient; a 5xx reply is permanent
// and its meaning depends on the verb (mailer.h lists the codes). Without a reply, the CURLcode
// or the connection decides.
#include <curl/curl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "common/url.h"
#include "connectors/mail/internal.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

using internal::Reply;
using internal::SmtpEndpoint;
using internal::TlsUse;
using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Deadline = std::chrono::steady_clock::time_point;

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

// What the opening dialogue has reached; filled by OnDebug.
struct Trace {
  std::string_view verb;  // the last command sent; empty before the first (the greeting)
  int reply = 0;          // the reply to that command; 0 until it arrives
  int enhanced = -1;      // the subject digit of an RFC 3463 code ("5.7.1" gives 7), or -1
  bool pipelining = false;  // the answer to the last EHLO announced PIPELINING
  bool quit = false;      // libcurl says QUIT after a failure too: the trace stops there

  void OnCommand(std::string_view line) {
    static constexpr std::array<std::string_view, 4> kVerbs = {"EHLO", "HELO", "STARTTLS", "AUTH"};
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
        if (v == "EHLO") pipelining = false;  // after STARTTLS, the second EHLO's answer counts
        return;
      }
    }
    // Anything else is an AUTH continuation (base64 credentials): not looked at, not kept.
  }

  // `line` is one line of a reply, continuation lines ("250-PIPELINING") included.
  void OnReply(std::string_view line) {
    if (quit) return;
    const std::optional<internal::ReplyLine> parsed = internal::ParseReplyLine(line);
    if (!parsed) return;
    reply = parsed->reply.code;
    enhanced = parsed->reply.enhanced;
    if (verb == "EHLO" && internal::AnnouncesExtension(line, "PIPELINING")) pipelining = true;
  }
};

int OnDebug(CURL*, curl_infotype type, char* data, std::size_t size, void* userp) {
  auto* trace = static_cast<Trace*>(userp);
  if (type == CURLINFO_HEADER_OUT) trace->OnCommand(std::string_view(data, size));
  if (type == CURLINFO_HEADER_IN) trace->OnReply(std::string_view(data, size));
  return 0;
}

// The status for `reply`, which is not the one `verb` needed.
Status Refused(std::string_view verb, const Reply& reply) {
  const std::string at =
      " (" + std::string(verb.empty() ? "greeting" : verb) + " " + std::to_string(reply.code) + ")";
  if (reply.code >= 400 && reply.code < 500) return UnavailableError("smtp: the server deferred" + at);
  if (reply.code < 500 || reply.code >= 600) return UnavailableError("smtp: the server answered out of turn" + at);
  if (verb == "AUTH") return UnauthenticatedError("smtp: the server refused the username and password" + at);
  if (verb == "RCPT") {
    // 5.7.x is policy ("relay access denied"): the sender's configuration, not the address.
    if (reply.enhanced == 7) return PermissionDeniedError("smtp: the server refused to relay to the recipient" + at);
    return InvalidArgumentError("smtp: the server refused the recipient" + at);
  }
  if (verb == "MAIL") return PermissionDeniedError("smtp: the server refused the sender" + at);
  if (verb == "DATA") return PermissionDeniedError("smtp: the server refused the message" + at);
  return PermissionDeniedError("smtp: the server refused the session" + at);
}

// The status for a session libcurl could not open.
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
  if (trace.reply >= 500 && trace.reply < 600 && rc == CURLE_LOGIN_DENIED) {
    return Refused("AUTH", {trace.reply, trace.enhanced});
  }
  if (trace.reply >= 400 && trace.reply < 600) return Refused(trace.verb, {trace.reply, trace.enhanced});
  if (rc == CURLE_LOGIN_DENIED) {
    return FailedPreconditionError("smtp: no AUTH mechanism in common with the server: " + detail);
  }
  // Connection refused, name not resolved, timeouts, a TLS handshake or a connection that broke.
  return UnavailableError("smtp: " + detail);
}

// As many idle sessions as the threads that send at once could use (the transport's blocking
// pool).
constexpr std::size_t kMaxIdleSessions = 16;
// An idle session older than this is closed rather than reused.
constexpr std::chrono::seconds kMaxIdle{60};

// One open SMTP session, used by one Send at a time.
struct Session {
  CurlHandle curl{nullptr, curl_easy_cleanup};
  curl_socket_t socket = CURL_SOCKET_BAD;
  bool pipelining = false;
  std::chrono::system_clock::time_point idle_since;
  internal::ReplyReader replies;
  bool broken = false;  // the connection failed (closed, reset), as opposed to a refusal or a timeout
  bool replied = false;  // a reply arrived during the current Send
};

// Waits until `socket` is ready for `events` or `deadline` passes.
Status Wait(curl_socket_t socket, short events, Deadline deadline, std::string_view verb) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{socket, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count() + 1, 60'000)));
    if (n > 0) return Status::Ok();
    if (n < 0 && errno != EINTR) return UnavailableError(std::string("smtp: poll failed: ") + std::strerror(errno));
  }
  return UnavailableError("smtp: timed out waiting for the server (" + std::string(verb) + ")");
}

Status SendAll(Session& s, std::string_view data, Deadline deadline, std::string_view verb) {
  while (!data.empty()) {
    std::size_t sent = 0;
    const CURLcode rc = curl_easy_send(s.curl.get(), data.data(), data.size(), &sent);
    if (rc == CURLE_AGAIN) {
      RETURN_IF_ERROR(Wait(s.socket, POLLOUT, deadline, verb));
      continue;
    }
    if (rc != CURLE_OK) {
      s.broken = true;
      return UnavailableError("smtp: the connection broke (" + std::string(verb) + "): " + curl_easy_strerror(rc));
    }
    data.remove_prefix(sent);
  }
  return Status::Ok();
}

Result<Reply> Await(Session& s, Deadline deadline, std::string_view verb) {
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<Reply> reply, s.replies.Next());
    if (reply) {
      s.replied = true;
      return *reply;
    }
    char buf[4096];
    std::size_t n = 0;
    const CURLcode rc = curl_easy_recv(s.curl.get(), buf, sizeof buf, &n);
    if (rc == CURLE_AGAIN) {
      RETURN_IF_ERROR(Wait(s.socket, POLLIN, deadline, verb));
      continue;
    }
    if (rc != CURLE_OK || n == 0) {
      s.broken = true;
      return UnavailableError("smtp: the server closed the connection (" + std::string(verb) + ")" +
                              (rc != CURLE_OK ? std::string(": ") + curl_easy_strerror(rc) : ""));
    }
    s.replies.Feed(std::string_view(buf, n));
  }
}

// Sends "QUIT" without waiting for the answer, before the session closes.
void Quit(Session& s) {
  std::size_t sent = 0;
  (void)curl_easy_send(s.curl.get(), "QUIT\r\n", 6, &sent);
}

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(const SmtpOptions& options, SmtpEndpoint endpoint, std::string envelope_from, Clock& clock,
             Random& random)
      : options_(options),
        endpoint_(std::move(endpoint)),
        envelope_from_(std::move(envelope_from)),
        clock_(clock),
        random_(random) {}

  ~SmtpMailer() override {
    for (auto& s : idle_) Quit(*s);
  }

  Status Send(const Message& message) override {
    ASSIGN_OR_RETURN(const std::string body, BuildMessage(message, options_.from, clock_, random_));
    if (!CurlReady()) return InternalError("smtp: curl_global_init failed");
    const std::string stuffed = internal::DotStuff(body);
    const Deadline deadline = std::chrono::steady_clock::now() + options_.timeout;
    std::unique_ptr<Session> session = TakeIdle();
    const bool reused = session != nullptr;
    if (!reused) {
      ASSIGN_OR_RETURN(session, Open(deadline));
    }
    Status status = Transact(*session, message.to, stuffed, deadline);
    if (!status.ok() && reused && session->broken && !session->replied) {
      // The server had closed the kept session; it accepted nothing, so a new one may try.
      ASSIGN_OR_RETURN(session, Open(deadline));
      status = Transact(*session, message.to, stuffed, deadline);
    }
    if (status.ok()) GiveBack(std::move(session));
    return status;  // a failed session closes here
  }

 private:
  // Opens a session: connect, TLS, greeting, EHLO, AUTH, all by libcurl.
  Result<std::unique_ptr<Session>> Open(Deadline deadline) {
    auto session = std::make_unique<Session>();
    session->curl.reset(curl_easy_init());
    if (!session->curl) return InternalError("smtp: curl_easy_init failed");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return UnavailableError("smtp: timed out before connecting");
    Trace trace;
    char errbuf[CURL_ERROR_SIZE] = {};
    CURL* h = session->curl.get();
    CURLcode rc = CURLE_OK;
    auto set = [&rc](CURLcode r) {
      if (rc == CURLE_OK) rc = r;
    };
    set(curl_easy_setopt(h, CURLOPT_URL, endpoint_.url.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
    set(curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L));
    // No signals: libcurl runs on request threads, and SIGALRM-based DNS timeouts are not
    // thread-safe. The process ignores SIGPIPE instead (app/main.cc).
    set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count())));
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
    set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
    // VERBOSE only routes the dialogue to OnDebug; nothing is printed.
    set(curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, OnDebug));
    set(curl_easy_setopt(h, CURLOPT_DEBUGDATA, &trace));
    set(curl_easy_setopt(h, CURLOPT_VERBOSE, 1L));
    if (rc != CURLE_OK) return InternalError(std::string("smtp: cannot configure libcurl: ") + curl_easy_strerror(rc));

    rc = curl_easy_perform(h);
    // `trace` and `errbuf` live in this frame; the handle outlives it.
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    if (rc != CURLE_OK) return Classify(rc, trace, errbuf);
    if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &session->socket) != CURLE_OK ||
        session->socket == CURL_SOCKET_BAD) {
      return UnavailableError("smtp: the session closed as it opened");
    }
    session->pipelining = trace.pipelining;
    return session;
  }

  // One mail transaction on `s`: MAIL, RCPT, DATA, the message. Every reply is read before the
  // first refusal decides the status, so that no reply is left unread on a session.
  Status Transact(Session& s, std::string_view to, std::string_view stuffed, Deadline deadline) {
    s.broken = false;
    s.replied = false;
    struct Step {
      std::string command;
      std::string_view verb;
      int want;  // the class of the reply that lets the transaction go on: 2 (250, 251) or 3 (354)
    };
    const std::array<Step, 3> steps = {Step{"MAIL FROM:" + envelope_from_ + "\r\n", "MAIL", 2},
                                       Step{"RCPT TO:<" + std::string(to) + ">\r\n", "RCPT", 2},
                                       Step{"DATA\r\n", "DATA", 3}};
    if (s.pipelining) {
      RETURN_IF_ERROR(SendAll(s, steps[0].command + steps[1].command + steps[2].command, deadline, "MAIL"));
      Status first = Status::Ok();
      for (const Step& step : steps) {
        ASSIGN_OR_RETURN(Reply reply, Await(s, deadline, step.verb));
        if (first.ok() && reply.code / 100 != step.want) first = Refused(step.verb, reply);
      }
      // A refused MAIL or RCPT makes the server refuse DATA too (RFC 2920 §3.1); should one
      // accept it anyway, the session closes with the message unsent.
      RETURN_IF_ERROR(first);
    } else {
      for (const Step& step : steps) {
        RETURN_IF_ERROR(SendAll(s, step.command, deadline, step.verb));
        ASSIGN_OR_RETURN(Reply reply, Await(s, deadline, step.verb));
        if (reply.code / 100 != step.want) return Refused(step.verb, reply);
      }
    }
    RETURN_IF_ERROR(SendAll(s, stuffed, deadline, "DATA"));
    ASSIGN_OR_RETURN(Reply reply, Await(s, deadline, "DATA"));
    if (reply.code / 100 != 2) return Refused("DATA", reply);
    return Status::Ok();
  }

  // An idle session that may be reused, or null. Closes those that may not.
  std::unique_ptr<Session> TakeIdle() {
    for (;;) {
      std::unique_ptr<Session> s;
      bool aged = false;
      {
        std::lock_guard lock(mu_);
        if (idle_.empty()) return nullptr;
        s = std::move(idle_.back());
        idle_.pop_back();
        aged = clock_.Now() - s->idle_since > kMaxIdle;
      }
      // Anything readable on an idle session (a 421, the close) means the server is ending it.
      pollfd p{s->socket, POLLIN, 0};
      const bool quiet = ::poll(&p, 1, 0) == 0 && !s->replies.HasPending();
      if (quiet && !aged) return s;
      if (quiet) Quit(*s);
    }
  }

  void GiveBack(std::unique_ptr<Session> s) {
    s->idle_since = clock_.Now();
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < kMaxIdleSessions) {
        idle_.push_back(std::move(s));
        return;
      }
    }
    Quit(*s);
  }

  const SmtpOptions options_;
  const SmtpEndpoint endpoint_;
  const std::string envelope_from_;  // "<addr>"
  Clock& clock_;
  Random& random_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Session>> idle_;  // guarded by mu_; the most recently used last
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
