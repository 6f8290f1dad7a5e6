// What the files of bench/loadgen share: login_load.cc (the login benchmarks), http.cc (a
// blocking HTTP/1.1 client, a cookie jar, URL and form helpers), smtp_sink.cc (where Gatehouse's
// emails go) and jwt.cc (PKCE and the ID-token check). Errors are thrown as std::runtime_error;
// each counts as one failed login.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace loadgen {

// An http:// origin (all that is used of GH and PEER: paths resolve against the origin's root):
// where to connect and what to send as Host.
struct Origin {
  std::string host_port;  // the Host header, e.g. "127.0.0.1:8080"
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
};
Origin ParseOrigin(const std::string& url);

// A URL resolved against an origin, as `new URL(url, base)`: the request target (path and
// query) and its path. An absolute URL must point at the same origin.
struct Target {
  std::string target;
  std::string path;
};
Target Resolve(const Origin& base, std::string_view url);

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string body;
  // The first header of that (lower-case) name, or nullptr.
  const std::string* Header(std::string_view name) const;
};

// One keep-alive HTTP/1.1 connection to one origin (blocking socket, TCP_NODELAY), opened on
// first use and again after the server closed it.
class Conn {
 public:
  explicit Conn(const Origin& origin) : origin_(&origin) {}
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Sends one request (`headers`: complete "Name: value\r\n" lines; Host and, with a body,
  // Content-Length are added) and reads the whole response into `res`. A reused connection that
  // the server closed while idle (no byte of the answer received) is reopened and the request
  // sent once more. Throws on network and protocol errors.
  void Send(std::string_view method, std::string_view target, std::string_view headers,
            std::string_view body, Response& res);
  void Close();

 private:
  void Connect();
  bool WriteAll(std::string_view data);
  int Fill();  // reads more: > 0 bytes read, 0 end of stream, < 0 error (err_ set)
  bool Need(std::size_t n);
  bool Find(std::string_view delim, std::size_t& at);
  bool ReadResponse(bool head, Response& res, bool& keep_alive);

  const Origin* origin_;
  int fd_ = -1;
  std::string out_;
  std::string in_;         // receive buffer: unread bytes are [pos_, end_)
  std::size_t pos_ = 0, end_ = 0;
  std::size_t received_ = 0;  // bytes received for the current response
  std::string err_;
};

// The cookie jar of bench/lib/http.mjs: name, value and path; a cookie expired by Max-Age or
// Expires, or with an empty value, is removed; sent when its path is a prefix of the request's.
class Jar {
 public:
  void Store(const Response& res);
  // Appends "Cookie: ...\r\n" to `out` when any cookie applies to `path`.
  void AppendHeader(std::string_view path, std::string& out) const;

 private:
  struct Cookie {
    std::string name, value, path;
  };
  std::vector<Cookie> cookies_;  // in insertion order, as a JS Map
};

// application/x-www-form-urlencoded, as URLSearchParams.toString().
std::string FormEncode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
// The decoded value of the first query parameter `name` of a URL or target ("" when absent).
std::string QueryParam(std::string_view url, std::string_view name);
// The value of the first `name="NAME" value="..."` in an HTML page ("" when absent).
std::string FormField(std::string_view html, std::string_view name);

std::string Base64Url(const unsigned char* data, std::size_t len);
std::string Base64UrlDecode(std::string_view in);  // throws on a character outside the alphabet
std::string Base64(std::string_view in);

// The SMTP sink (smtp_sink.cc) Gatehouse sends its sign-in emails to: keeps the 6-digit code of
// the last message to each (lower-cased) recipient.
class SmtpSink {
 public:
  // Serves 127.0.0.1:port, a thread per connection, for the rest of the process (Gatehouse keeps
  // its SMTP sessions open). Throws when it cannot listen.
  void Listen(long port);
  void Erase(const std::string& rcpt);
  std::string Get(const std::string& rcpt);  // "" when none

 private:
  void Serve(int fd);

  std::mutex mu_;
  std::unordered_map<std::string, std::string> codes_;  // recipient -> code
};

// PKCE (RFC 7636): a verifier of 32 random bytes and its S256 challenge.
struct Pkce {
  std::string verifier, challenge;
};
Pkce MakePkce();

// Checks a JWT's signature (RS256 or ES256) against the JWKS at `jwks_path` (fetched on `conn`),
// its iss, aud and exp; logs "<base>: id_token verified <header> <claims>" on stderr.
void CheckIdToken(Conn& conn, Response& res, const Origin& origin, std::string_view base,
                  std::string_view jwks_path, std::string_view issuer, std::string_view audience,
                  std::string_view jwt);

}  // namespace loadgen
