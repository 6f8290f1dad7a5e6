// The HTTP transport: listens on one TCP port, speaks HTTP/1.1 (and TLS on the same port when
// a certificate is configured), and hands each request to a Router.
//
// One port, sniffed protocols: the first bytes of a connection decide what it is. 0x16 (a TLS
// ClientHello) starts TLS; otherwise it is cleartext HTTP/1.1. The HTTP/2 connection preface
// ("PRI * HTTP/2.0") is recognised and, until HTTP/2 is implemented, answered by closing the
// connection; an HTTP/2 session slots in at that point (and after TLS when ALPN picks "h2").
//
// Threads: `threads` event loops, one per thread, each owning its connections (no locks on the
// request path). One acceptor hands new connections to the loops in turn.
//
// Limits (all per connection): request header size, body size (Router::SetPrefixBodyLimit may
// raise it for a route), time to receive a whole request once its first byte arrived (slow
// senders are cut off), time a kept-alive connection may sit idle, and a cap on open connections. Violations get 400/408/413/431 and a closed connection.
//
// Shutdown: Stop() (also on SIGINT/SIGTERM when handle_signals) stops accepting, closes idle
// connections, lets requests in flight finish (up to shutdown_grace) and then returns from Run().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/router.h"

namespace gatehouse::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see Server::port())
  int threads = 2;
  // Threads for the routes added with Router::AddBlocking: Lane::kOutbound (they may wait on
  // the deployment's own servers, e.g. SMTP) and Lane::kUpstream (they may wait on identity
  // providers). Two pools, so IdPs that hang cannot hold up sign-in emails.
  int blocking_threads = 16;
  int upstream_threads = 16;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
  std::chrono::milliseconds request_timeout{10'000};  // first byte -> whole request read
  std::chrono::milliseconds idle_timeout{60'000};     // kept-alive connection with no request
  std::chrono::milliseconds shutdown_grace{10'000};
  int max_connections = 10'000;
  // TLS on the same port, when both are set (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  bool access_log = true;
  bool handle_signals = true;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. kUnavailable with a one-line explanation when the address is in use or
  // not available; kInvalidArgument for unreadable or mismatched TLS files.
  Status Listen();
  // The bound port (after Listen).
  std::uint16_t port() const;
  // Serves until Stop() or a signal; returns after the graceful drain.
  void Run();
  // Thread-safe; may be called from a signal-free context or another thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::http
