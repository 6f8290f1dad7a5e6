// The example's HTTP transport: Boost.Beast on 127.0.0.1 (the only file of the example that
// includes Beast/Asio; scripts/check-layers enforces it).
//
// One thread per connection, each with its own io_context, so a handler that blocks on the SDK's
// synchronous network calls (the code exchange, a refresh) holds up no other browser request.
// The async calls are there only for their timeouts: Asio's blocking reads cannot time out.
#include "server.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <tuple>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace webapp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 16 * 1024;  // the app's forms are a CSRF token and nothing else
// A whole request must arrive within this, and a kept-alive connection is closed after this long idle.
constexpr auto kReadTimeout = std::chrono::seconds(15);
constexpr auto kWriteTimeout = std::chrono::seconds(15);
// Beyond this many open connections new ones are closed at once: each costs a thread.
constexpr int kMaxConnections = 64;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::atomic<int> open_connections{0};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A malformed escape is kept as it is rather than refused: the app compares values exactly, so
// a mangled one simply does not match.
std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// application/x-www-form-urlencoded, as both query strings and form bodies are written.
std::map<std::string, std::string> ParseUrlEncoded(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    std::size_t eq = pair.find('=');
    std::string name = PercentDecode(pair.substr(0, eq), true);
    if (name.empty()) continue;
    std::string value = eq == std::string_view::npos ? std::string{} : PercentDecode(pair.substr(eq + 1), true);
    out.emplace(std::move(name), std::move(value));  // emplace keeps the first
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void ParseCookieHeader(std::string_view header, std::map<std::string, std::string>& out) {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view pair = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(Trim(pair.substr(0, eq))), std::string(Trim(pair.substr(eq + 1))));
  }
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

Request ToRequest(const http::request<http::string_body>& raw) {
  Request request;
  request.method = std::string(raw.method_string());
  std::string_view target = raw.target();
  std::size_t question = target.find('?');
  request.path = PercentDecode(target.substr(0, question), false);
  if (question != std::string_view::npos) request.query = ParseUrlEncoded(target.substr(question + 1));
  for (const auto& field : raw) {
    if (field.name() == http::field::cookie) ParseCookieHeader(field.value(), request.cookies);
  }
  if (raw.method() == http::verb::post &&
      StartsWithNoCase(raw[http::field::content_type], "application/x-www-form-urlencoded")) {
    request.form = ParseUrlEncoded(raw.body());
  }
  return request;
}

// The path as logged: without the query (codes and states travel there) and without control
// characters (no forged log lines).
std::string LoggablePath(std::string_view target) {
  std::string out;
  for (char c : target.substr(0, target.find('?'))) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    if (out.size() > 200) break;
  }
  return out;
}

void LogLine(std::string_view method, std::string_view path, int status) {
  std::string line = "webapp: " + std::string(method) + " " + std::string(path) + " " + std::to_string(status) + "\n";
  std::fputs(line.c_str(), stderr);  // one call: lines from different threads do not interleave
}

http::response<http::string_body> PlainResponse(http::status status, std::string_view text) {
  http::response<http::string_body> out{status, 11};
  out.set(http::field::content_type, "text/plain; charset=utf-8");
  out.set(http::field::connection, "close");
  out.body() = std::string(text) + "\n";
  out.keep_alive(false);
  out.prepare_payload();
  return out;
}

asio::awaitable<void> ServeConnection(beast::tcp_stream stream, const Handler& handler) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    stream.expires_after(kReadTimeout);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
    std::ignore = read_bytes;
    if (read_error) {
      std::optional<http::response<http::string_body>> refusal;
      if (read_error == http::error::header_limit) {
        refusal = PlainResponse(http::status::request_header_fields_too_large, "Request headers too large");
      } else if (read_error == http::error::body_limit) {
        refusal = PlainResponse(http::status::payload_too_large, "Request body too large");
      } else if (read_error != http::error::end_of_stream && read_error != beast::error::timeout &&
                 read_error != asio::error::connection_reset && read_error != asio::error::eof) {
        refusal = PlainResponse(http::status::bad_request, "Malformed request");
      }
      if (refusal) {
        stream.expires_after(kWriteTimeout);
        co_await http::async_write(stream, *refusal, kTuple);
        LogLine("-", "-", refusal->result_int());
      }
      break;
    }
    const http::request<http::string_body>& raw = parser.get();
    Response response;
    try {
      response = handler(ToRequest(raw));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "webapp: handler failed: %s\n", e.what());
      response = Response{500, {{"Content-Type", "text/plain; charset=utf-8"}}, "Internal error\n"};
    }
    http::response<http::string_body> out{static_cast<http::status>(response.status), raw.version()};
    for (const auto& [name, value] : response.headers) out.insert(name, value);
    out.body() = std::move(response.body);
    out.keep_alive(raw.keep_alive());
    out.prepare_payload();
    stream.expires_after(kWriteTimeout);
    auto [write_error, written] = co_await http::async_write(stream, out, kTuple);
    std::ignore = written;
    LogLine(raw.method_string(), LoggablePath(raw.target()), response.status);
    if (write_error || !out.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// What one connection's thread owns. The socket is declared after (so destroyed before) the
// io_context it belongs to.
struct Connection {
  asio::io_context ioc{1};
  tcp::socket socket{ioc};
};

}  // namespace

bool Serve(std::uint16_t port, const Handler& handler, const std::function<void()>& on_listening, std::string* error) {
  asio::io_context accept_ioc{1};
  tcp::acceptor acceptor(accept_ioc);
  tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  on_listening();
  for (;;) {
    auto connection = std::make_unique<Connection>();
    acceptor.accept(connection->socket, ec);
    if (ec) {
      // Out of file descriptors, say: wait a little instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (open_connections.fetch_add(1) >= kMaxConnections) {
      open_connections.fetch_sub(1);
      connection->socket.close(ec);
      continue;
    }
    std::thread([connection = std::move(connection), &handler] {
      asio::co_spawn(connection->ioc, ServeConnection(beast::tcp_stream(std::move(connection->socket)), handler),
                     asio::detached);
      connection->ioc.run();
      open_connections.fetch_sub(1);
    }).detach();
  }
}

}  // namespace webapp
