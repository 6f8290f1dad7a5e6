// The Beast/Asio transport. This is the only file that includes Beast or Asio: it compiles
// slowly (stack-notes pitfall 8), so it changes rarely and knows nothing about OAuth.
#include "http/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "common/log.h"
#include "common/url.h"

namespace gatehouse::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n";

// Runs router.Dispatch(req) on `pool` and resumes the calling coroutine on its own loop with the
// outcome: one post each way. (co_spawn onto the pool posts there twice, on entry and again
// before completing, and each post wakes a pool thread: a futex call and a context switch more
// per blocking request.) The loop's work guard keeps it running until the outcome is back.
awaitable<Router::Outcome> DispatchOn(asio::thread_pool& pool, const Router& router, const Request& req) {
  auto initiate = [&pool, &router, &req](auto handler) {
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    asio::post(pool, [&router, &req, handler = std::move(handler), work = std::move(work)]() mutable {
      Router::Outcome outcome = router.Dispatch(req);  // never throws (router.h)
      auto loop = work.get_executor();
      asio::post(loop, [handler = std::move(handler), outcome = std::move(outcome)]() mutable {
        std::move(handler)(std::move(outcome));
      });
      work.reset();  // the post above now keeps the loop running
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Router::Outcome)>(initiate,
                                                                                               asio::use_awaitable);
}

// One connection as the shutdown logic sees it. Lives on its loop's thread only.
struct Conn {
  tcp::socket* socket = nullptr;
  bool idle = true;      // waiting for the first byte of a request
  bool closing = false;  // server is stopping: finish the current request, then close
};

// An event loop with its own connections; only its thread touches its members.
struct Loop {
  asio::io_context ioc{1};
  std::unordered_set<Conn*> conns;
  std::optional<asio::steady_timer> deadline;
  std::mt19937_64 rng{std::random_device{}()};
  std::time_t date_second = 0;
  std::string date;  // cached "Date" value, refreshed once a second

  const std::string& Date() {
    std::time_t now = std::time(nullptr);
    if (now != date_second) {
      date_second = now;
      std::tm tm{};
      gmtime_r(&now, &tm);
      char buf[64];
      std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      date = buf;
    }
    return date;
  }

  std::string NewRequestId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t v = rng();
    std::string id(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) id[static_cast<std::size_t>(i)] = kHex[v & 15];
    return id;
  }
};

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get: return Method::kGet;
    case bhttp::verb::head: return Method::kHead;
    case bhttp::verb::post: return Method::kPost;
    case bhttp::verb::put: return Method::kPut;
    case bhttp::verb::patch: return Method::kPatch;
    case bhttp::verb::delete_: return Method::kDelete;
    case bhttp::verb::options: return Method::kOptions;
    default: return Method::kOther;
  }
}

// A client-supplied X-Request-Id is kept (to follow a request through a load balancer) only when
// it is short and plain, so it cannot forge log structure.
bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool SafeHeaderText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Checks the request-target and splits it. Only origin-form ("/path?query") is served.
bool SplitTarget(std::string_view target, std::string& path, std::string_view& query, std::string& why) {
  if (target.empty() || target.front() != '/') {
    why = "request target must be an absolute path";
    return false;
  }
  auto q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (auto decoded = PercentDecode(raw_path, false); !decoded.ok()) {
    why = "request path: " + decoded.error().message();
    return false;
  }
  if (raw_path.find('#') != std::string_view::npos || query.find('#') != std::string_view::npos) {
    why = "request target must not contain a fragment";
    return false;
  }
  path = CollapseSlashes(raw_path);
  return true;
}

std::string Serialize(Loop& loop, const Response& r, std::string_view request_id, bool keep_alive,
                      bool head_only, std::string_view& body_out) {
  std::string h;
  h.reserve(256 + r.headers.size() * 64);
  h += "HTTP/1.1 ";
  h += std::to_string(r.status);
  h += ' ';
  h += ReasonPhrase(r.status);
  h += "\r\nDate: ";
  h += loop.Date();
  h += "\r\n";
  const bool no_body = r.status == 204 || r.status == 304 || r.status < 200;
  if (!r.content_type.empty() && !no_body) {
    h += "Content-Type: ";
    h += r.content_type;
    h += "\r\n";
  }
  if (!no_body) {
    h += "Content-Length: ";
    h += std::to_string(r.Body().size());
    h += "\r\n";
  }
  h += "X-Request-Id: ";
  h += request_id;
  h += "\r\n";
  bool nosniff = false;
  for (const auto& [name, value] : r.headers) {
    nosniff = nosniff || name == "X-Content-Type-Options";
    h += name;
    h += ": ";
    h += value;
    h += "\r\n";
  }
  if (!nosniff) h += "X-Content-Type-Options: nosniff\r\n";
  if (!keep_alive) h += "Connection: close\r\n";
  h += "\r\n";
  body_out = (head_only || no_body) ? std::string_view() : r.Body();
  return h;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  std::vector<std::unique_ptr<Loop>> loops;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::ssl::context> tls;
  std::optional<asio::signal_set> signals;
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;
  // Loops other than 0 have no work until a connection arrives; these keep them running until
  // Stop. Touched only on loop 0's thread (Run sets them up before the loops start).
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  // Run the handlers that may wait on other servers (Router::AddBlocking), off the loops: one
  // pool per Router::Lane, so that one kind of slow server cannot take the other's threads.
  asio::thread_pool blocking_pool;
  asio::thread_pool upstream_pool;

  Impl(ServerOptions o, const Router& r)
      : options(std::move(o)),
        router(r),
        blocking_pool(static_cast<std::size_t>(std::max(1, options.blocking_threads))),
        upstream_pool(static_cast<std::size_t>(std::max(1, options.upstream_threads))) {
    int n = options.threads < 1 ? 1 : options.threads;
    for (int i = 0; i < n; ++i) loops.push_back(std::make_unique<Loop>());
  }

  Status SetUpTls();
  awaitable<void> Accept();
  awaitable<void> Session(Loop& loop, tcp::socket socket);
  template <class Stream>
  awaitable<void> ServeHttp1(Loop& loop, Stream& stream, beast::flat_buffer& buffer, Conn& conn,
                             const std::string& remote, bool secure);
  template <class Stream>
  awaitable<void> WriteError(Loop& loop, Stream& stream, int status, std::string_view message);
  void Unregister(Loop& loop, Conn* conn);
  void BeginStop();
};

Status Server::Impl::SetUpTls() {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) return Status::Ok();
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
  }
  try {
    tls.emplace(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use |
                     asio::ssl::context::no_compression);
    tls->use_certificate_chain_file(options.tls_cert_file);
    tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem);
  } catch (const std::exception& e) {
    tls.reset();
    return InvalidArgumentError("cannot load TLS certificate or key: " + std::string(e.what()));
  }
  SSL_CTX* ctx = tls->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // TLS 1.2: forward-secret AEAD suites only. TLS 1.3 suites are OpenSSL's defaults (all AEAD).
  SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                               "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                               "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_check_private_key(ctx) != 1) {
    tls.reset();
    return InvalidArgumentError("TLS private key does not match the certificate");
  }
  // ALPN: offer http/1.1 only until the HTTP/2 session exists; then "h2" goes first here.
  SSL_CTX_set_alpn_select_cb(
      ctx,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
         void*) -> int {
        static const unsigned char kProtos[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        unsigned char* selected = nullptr;
        if (SSL_select_next_proto(&selected, outlen, kProtos, sizeof kProtos, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
          return SSL_TLSEXT_ERR_NOACK;
        }
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
  return Status::Ok();
}

awaitable<void> Server::Impl::Accept() {
  std::size_t next = 0;
  while (!stopping.load()) {
    Loop& target = *loops[next];
    next = (next + 1) % loops.size();
    auto [ec, socket] = co_await acceptor->async_accept(target.ioc, kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping.load()) co_return;
      // EMFILE and friends: log, back off briefly, keep accepting.
      log::Warn("accept failed", {{"error", std::string_view(ec.message())}});
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    Metrics& m = router.metrics();
    if (m.connections_active().load(std::memory_order_relaxed) >= options.max_connections) {
      m.connections_rejected().fetch_add(1, std::memory_order_relaxed);
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    // Counted here, not when the session starts, so the limit holds for connections accepted
    // faster than their loops start them.
    m.connections_active().fetch_add(1, std::memory_order_relaxed);
    m.connections_total().fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(target.ioc, Session(target, std::move(socket)), asio::detached);
  }
}

void Server::Impl::Unregister(Loop& loop, Conn* conn) {
  loop.conns.erase(conn);
  if (stopping.load() && loop.conns.empty() && loop.deadline) loop.deadline->cancel();
}

awaitable<void> Server::Impl::Session(Loop& loop, tcp::socket socket) {
  Metrics& metrics = router.metrics();
  Conn conn;
  loop.conns.insert(&conn);
  struct Guard {
    Impl* self;
    Loop& loop;
    Conn* conn;
    Metrics& metrics;
    ~Guard() {
      self->Unregister(loop, conn);
      metrics.connections_active().fetch_sub(1, std::memory_order_relaxed);
    }
  } guard{this, loop, &conn, metrics};

  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  if (auto ep = socket.remote_endpoint(ec); !ec) remote = ep.address().to_string();

  beast::tcp_stream stream(std::move(socket));
  conn.socket = &stream.socket();
  if (stopping.load()) co_return;
  beast::flat_buffer buffer;

  // Sniff the first bytes to pick the protocol.
  stream.expires_after(options.idle_timeout);
  auto [rec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
  if (rec) co_return;
  buffer.commit(n);
  conn.idle = false;
  std::string_view first(static_cast<const char*>(buffer.data().data()), buffer.size());

  if (static_cast<unsigned char>(first[0]) == 0x16) {
    if (!tls) co_return;  // TLS to a cleartext-only listener: nothing sensible to answer
    beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), *tls);
    conn.socket = &beast::get_lowest_layer(tls_stream).socket();
    beast::get_lowest_layer(tls_stream).expires_after(options.request_timeout);
    auto [hec, used] =
        co_await tls_stream.async_handshake(asio::ssl::stream_base::server, buffer.data(), kTuple);
    if (hec) co_return;
    buffer.consume(used);
    co_await ServeHttp1(loop, tls_stream, buffer, conn, remote, true);
    beast::get_lowest_layer(tls_stream).expires_after(std::chrono::seconds(2));
    co_await tls_stream.async_shutdown(kTuple);
    co_return;
  }
  if (first.starts_with(kHttp2Preface.substr(0, std::min(first.size(), kHttp2Preface.size())))) {
    // HTTP/2 prior knowledge: not served yet. Closing is what an HTTP/1.1-only server does.
    co_return;
  }
  co_await ServeHttp1(loop, stream, buffer, conn, remote, false);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

template <class Stream>
awaitable<void> Server::Impl::WriteError(Loop& loop, Stream& stream, int status, std::string_view message) {
  Response r = Response::JsonError(status, "invalid_request", message);
  std::string id = loop.NewRequestId();
  std::string_view body;
  std::string head = Serialize(loop, r, id, false, false, body);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await asio::async_write(stream, bufs, kTuple);
  if (options.access_log) {
    log::Info("request rejected", {{"request_id", id}, {"status", static_cast<std::int64_t>(status)},
                                   {"reason", message}});
  }
}

// After an error answer the client may still be sending (a body we refused). Closing at once
// would make the kernel reset the connection and the client could lose our answer, so stop
// sending, then read and discard for a bounded time and volume before closing.
template <class Stream>
awaitable<void> LingeringClose(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::error_code ec;
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
  lowest.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> sink;
  for (std::size_t drained = 0; drained < (1u << 20);) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    drained += n;
  }
}

template <class Stream>
awaitable<void> Server::Impl::ServeHttp1(Loop& loop, Stream& stream, beast::flat_buffer& buffer, Conn& conn,
                                         const std::string& remote, bool secure) {
  auto& lowest = beast::get_lowest_layer(stream);
  for (;;) {
    if (buffer.size() == 0) {
      // Idle between requests: wait for the next first byte, or for shutdown.
      conn.idle = true;
      if (conn.closing) co_return;
      lowest.expires_after(options.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      conn.idle = false;
      if (ec) co_return;
      buffer.commit(n);
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    // Beast checks a Content-Length against the limit as the header ends, before we know the
    // route: the header is read under the largest limit any route has, then held to its route's.
    parser.body_limit(std::max(options.body_limit, router.LargestBodyLimit()));
    lowest.expires_after(options.request_timeout);
    auto [ec, _] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (!ec) {
      const std::string_view target = parser.get().target();
      const std::size_t route_limit = router.BodyLimitOf(target.substr(0, target.find('?')));
      const std::size_t limit = route_limit != 0 ? route_limit : options.body_limit;
      if (parser.content_length() && *parser.content_length() > limit) {
        ec = bhttp::error::body_limit;
      } else if (!parser.is_done()) {  // no second read for a request without a body
        parser.body_limit(limit);        // a chunked body is counted against it as it arrives
        std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      }
    }
    if (ec) {
      if (ec == bhttp::error::header_limit) co_await WriteError(loop, stream, 431, "request headers too large");
      else if (ec == bhttp::error::body_limit) co_await WriteError(loop, stream, 413, "request body too large");
      else if (ec == beast::error::timeout) co_await WriteError(loop, stream, 408, "request not received in time");
      else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
        co_await WriteError(loop, stream, 400, "malformed HTTP request");
      else co_return;
      co_await LingeringClose(stream);
      co_return;
    }
    const auto start = std::chrono::steady_clock::now();
    auto& msg = parser.get();

    Request req;
    req.method = ToMethod(msg.method());
    req.body = msg.body();
    req.remote_address = remote;
    req.secure = secure;
    req.headers.reserve(16);
    for (const auto& f : msg) req.headers.push_back({f.name_string(), f.value()});
    std::string request_id;
    if (std::string_view incoming = req.Header("X-Request-Id"); AcceptableRequestId(incoming)) {
      request_id.assign(incoming);
    } else {
      request_id = loop.NewRequestId();
    }
    req.request_id = request_id;

    Router::Outcome outcome{Response{}, nullptr};
    std::string why;
    if (msg.version() == 11 && req.HeaderCount("Host") != 1) {
      outcome = {Response::JsonError(400, "invalid_request", "exactly one Host header is required"),
                 router.metrics().unmatched()};
      outcome.response.close = true;
    } else if (!SplitTarget(msg.target(), req.path, req.query, why)) {
      outcome = {Response::JsonError(400, "invalid_request", why), router.metrics().unmatched()};
    } else if (const Router::Lane lane = router.LaneOf(req); lane != Router::Lane::kLoop) {
      // The handler may wait on another server: it runs on its lane's pool while this loop
      // goes on serving its other connections; the coroutine resumes here with the answer.
      asio::thread_pool& pool = lane == Router::Lane::kUpstream ? upstream_pool : blocking_pool;
      outcome = co_await DispatchOn(pool, router, req);
    } else {
      outcome = router.Dispatch(req);
    }
    Response& resp = outcome.response;
    for (const auto& [name, value] : resp.headers) {
      if (!SafeHeaderText(name) || !SafeHeaderText(value) || name.empty()) {
        log::Error("handler produced an unsafe header; answering 500", {{"request_id", request_id}});
        resp = Response::JsonError(500, "server_error", "internal error");
        break;
      }
    }
    const bool keep_alive = msg.keep_alive() && !resp.close && !conn.closing && !stopping.load();
    std::string_view body;
    std::string head = Serialize(loop, resp, request_id, keep_alive, req.method == Method::kHead, body);
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
    lowest.expires_after(options.request_timeout);
    auto [wec, written] = co_await asio::async_write(stream, bufs, kTuple);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    outcome.metrics->Record(resp.status, seconds);
    if (options.access_log) {
      log::Info("request", {{"request_id", request_id},
                            {"method", bhttp::to_string(msg.method())},
                            {"path", std::string_view(req.path)},
                            {"status", static_cast<std::int64_t>(resp.status)},
                            {"bytes", static_cast<std::int64_t>(body.size())},
                            {"ms", seconds * 1000.0},
                            {"remote", req.remote_address},
                            {"tls", secure}});
    }
    if (wec || !keep_alive) co_return;
  }
}

void Server::Impl::BeginStop() {
  if (stopping.exchange(true)) return;
  asio::post(loops[0]->ioc, [this] {
    beast::error_code ec;
    if (acceptor) acceptor->close(ec);
    if (signals) signals->cancel(ec);
    for (auto& g : guards) g.reset();
  });
  for (auto& lp : loops) {
    Loop* loop = lp.get();
    asio::post(loop->ioc, [this, loop] {
      for (Conn* c : loop->conns) {
        c->closing = true;
        beast::error_code ec;
        if (c->idle && c->socket) c->socket->cancel(ec);
      }
      if (!loop->conns.empty()) {
        loop->deadline.emplace(loop->ioc, options.shutdown_grace);
        loop->deadline->async_wait([loop](beast::error_code ec) {
          if (!ec) loop->ioc.stop();  // grace is over: drop what is left
        });
      }
    });
  }
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() = default;

Status Server::Listen() {
  RETURN_IF_ERROR(impl_->SetUpTls());
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) {
    // Resolve names such as "localhost".
    tcp::resolver resolver(impl_->loops[0]->ioc);
    auto results = resolver.resolve(impl_->options.host, "", ec);
    if (ec || results.empty()) return InvalidArgumentError("cannot resolve listen host '" + impl_->options.host + "'");
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acc = impl_->acceptor.emplace(impl_->loops[0]->ioc);
  std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  if (acc.open(endpoint.protocol(), ec); ec) return UnavailableError("cannot open socket for " + where + ": " + ec.message());
  acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (acc.bind(endpoint, ec); ec) {
    if (ec == asio::error::address_in_use) return UnavailableError(where + " is already in use by another process");
    return UnavailableError("cannot listen on " + where + ": " + ec.message());
  }
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("cannot listen on " + where + ": " + ec.message());
  }
  impl_->bound_port = acc.local_endpoint().port();
  return Status::Ok();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::Run() {
  Impl& s = *impl_;
  auto& loop0 = *s.loops[0];
  if (s.options.handle_signals) {
    s.signals.emplace(loop0.ioc, SIGINT, SIGTERM);
    s.signals->async_wait([&s](beast::error_code ec, int) {
      if (!ec) {
        log::Info("signal received; shutting down");
        s.BeginStop();
      }
    });
  }
  asio::co_spawn(loop0.ioc, s.Accept(), asio::detached);
  for (std::size_t i = 1; i < s.loops.size(); ++i) s.guards.push_back(asio::make_work_guard(s.loops[i]->ioc));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < s.loops.size(); ++i) {
    threads.emplace_back([&s, i] { s.loops[i]->ioc.run(); });
  }
  loop0.ioc.run();
  for (auto& t : threads) t.join();
  s.blocking_pool.join();
  s.upstream_pool.join();
}

void Server::Stop() { impl_->BeginStop(); }

}  // namespace gatehouse::http
