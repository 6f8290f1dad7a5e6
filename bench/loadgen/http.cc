// The HTTP side of login_load: a blocking keep-alive HTTP/1.1 client (Content-Length and chunked
// bodies), the cookie jar of bench/lib/http.mjs, and URL, form and base64 helpers.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "loadgen.h"

namespace loadgen {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "http://host:port..." -> "host:port" and the rest (path, query); throws for other schemes.
std::pair<std::string_view, std::string_view> SplitAbsolute(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  if (url.size() < kHttp.size() || !IEquals(url.substr(0, kHttp.size()), kHttp)) {
    throw std::runtime_error("not an http:// URL: " + std::string(url));
  }
  url.remove_prefix(kHttp.size());
  const std::size_t end = std::min(url.find_first_of("/?#"), url.size());
  return {url.substr(0, end), url.substr(end)};
}

// Expires=<HTTP date> (RFC 1123, or the older dashed form) at or before now; a date that does not
// parse does not expire the cookie (Date.parse gives NaN).
bool ExpiredDate(std::string_view v) {
  const std::string s(v);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S", "%a, %d-%b-%Y %H:%M:%S"}) {
    std::tm tm{};
    if (strptime(s.c_str(), format, &tm) != nullptr) return timegm(&tm) <= std::time(nullptr);
  }
  return false;
}

}  // namespace

Origin ParseOrigin(const std::string& url) {
  const auto [authority, rest] = SplitAbsolute(url);
  Origin o;
  o.host_port = std::string(authority);
  std::string host = o.host_port, port = "80";
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    const std::size_t close = authority.find(']');
    host = std::string(authority.substr(1, close - 1));
    if (close != std::string_view::npos && close + 1 < authority.size()) port = std::string(authority.substr(close + 2));
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    throw std::runtime_error("cannot resolve " + url + ": " + gai_strerror(rc));
  }
  std::memcpy(&o.addr, res->ai_addr, res->ai_addrlen);
  o.addr_len = res->ai_addrlen;
  freeaddrinfo(res);
  return o;
}

Target Resolve(const Origin& base, std::string_view url) {
  url = url.substr(0, url.find('#'));
  Target t;
  if (url.find("://") < url.find_first_of("/?")) {
    const auto [authority, rest] = SplitAbsolute(url);
    if (!IEquals(authority, base.host_port)) {
      throw std::runtime_error("URL on another origin than " + base.host_port + ": " + std::string(url));
    }
    url = rest;
  }
  if (url.empty() || url.front() != '/') t.target = "/";  // relative to the origin's root
  t.target.append(url);
  t.path = t.target.substr(0, t.target.find('?'));
  return t;
}

const std::string* Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

// ---- Conn

void Conn::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pos_ = end_ = 0;
}

void Conn::Connect() {
  fd_ = ::socket(origin_->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A server that stops answering fails the request instead of hanging the benchmark.
  const timeval timeout{120, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&origin_->addr), origin_->addr_len) != 0) {
    const int e = errno;
    Close();
    throw std::runtime_error("connect " + origin_->host_port + ": " + std::strerror(e));
  }
  if (in_.size() < 16384) in_.resize(16384);
}

bool Conn::WriteAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err_ = std::string("write: ") + std::strerror(errno);
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

int Conn::Fill() {
  if (end_ == in_.size()) {  // full: drop what was consumed, or grow
    if (pos_ > 0) {
      std::memmove(in_.data(), in_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    } else {
      in_.resize(in_.size() * 2);
    }
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, in_.data() + end_, in_.size() - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err_ = std::string("read: ") + std::strerror(errno);
      return -1;
    }
    if (n == 0) err_ = "socket hang up";
    end_ += static_cast<std::size_t>(n);
    received_ += static_cast<std::size_t>(n);
    return static_cast<int>(n > 0);
  }
}

bool Conn::Need(std::size_t n) {
  while (end_ - pos_ < n) {
    if (Fill() <= 0) return false;
  }
  return true;
}

// Finds `delim` in the unread bytes, reading more as needed; `at` is its offset in in_.
bool Conn::Find(std::string_view delim, std::size_t& at) {
  std::size_t from = pos_;
  for (;;) {
    const std::string_view unread(in_.data() + from, end_ - from);
    if (const std::size_t i = unread.find(delim); i != std::string_view::npos) {
      at = from + i;
      return true;
    }
    // Offsets move when Fill compacts the buffer: rescan from the same distance to pos_.
    const std::size_t scanned = (end_ - pos_ >= delim.size()) ? end_ - pos_ - delim.size() + 1 : 0;
    if (Fill() <= 0) return false;
    from = pos_ + scanned;
  }
}

bool Conn::ReadResponse(bool head, Response& res, bool& keep_alive) {
  bool http11 = true;
  for (;;) {  // 1xx interim answers (100 Continue, 103 Early Hints) are skipped
    std::size_t hdr_end = 0;
    if (!Find("\r\n\r\n", hdr_end)) return false;
    std::string_view block(in_.data() + pos_, hdr_end - pos_);
    std::size_t eol = block.find("\r\n");
    const std::string_view status_line = block.substr(0, eol);
    int status = 0;
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
        std::from_chars(status_line.data() + 9, status_line.data() + 12, status).ec != std::errc()) {
      err_ = "malformed status line: " + std::string(status_line.substr(0, 80));
      return false;
    }
    http11 = status_line[7] == '1';
    res.status = status;
    res.headers.clear();
    while (eol != std::string_view::npos) {
      block.remove_prefix(eol + 2);
      eol = block.find("\r\n");
      const std::string_view line = block.substr(0, eol);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      auto& [name, value] = res.headers.emplace_back(line.substr(0, colon), Trim(line.substr(colon + 1)));
      for (char& c : name) c = Lower(c);
    }
    pos_ = hdr_end + 4;
    if (status < 100 || status >= 200 || status == 101) break;
  }

  const std::string* conn = res.Header("connection");
  keep_alive = http11 ? !(conn && IContains(*conn, "close")) : (conn && IContains(*conn, "keep-alive"));
  res.body.clear();
  const std::string* te = res.Header("transfer-encoding");
  const std::string* cl = res.Header("content-length");
  if (head || res.status == 204 || res.status == 304) {
    // no body
  } else if (te && IContains(*te, "chunked")) {
    for (;;) {  // size[;ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF
      std::size_t eol = 0;
      if (!Find("\r\n", eol)) return false;
      std::size_t size = 0;
      const auto [p, ec] = std::from_chars(in_.data() + pos_, in_.data() + eol, size, 16);
      if (ec != std::errc() || p == in_.data() + pos_) {
        err_ = "malformed chunk size";
        return false;
      }
      pos_ = eol + 2;
      if (size == 0) {
        for (;;) {  // trailers up to an empty line
          if (!Find("\r\n", eol)) return false;
          const bool empty = eol == pos_;
          pos_ = eol + 2;
          if (empty) break;
        }
        break;
      }
      if (!Need(size + 2)) return false;
      res.body.append(in_.data() + pos_, size);
      if (in_[pos_ + size] != '\r' || in_[pos_ + size + 1] != '\n') {
        err_ = "malformed chunk";
        return false;
      }
      pos_ += size + 2;
    }
  } else if (cl) {
    std::size_t len = 0;
    if (std::from_chars(cl->data(), cl->data() + cl->size(), len).ec != std::errc()) {
      err_ = "malformed Content-Length: " + *cl;
      return false;
    }
    if (!Need(len)) return false;
    res.body.assign(in_.data() + pos_, len);
    pos_ += len;
  } else {  // the body ends with the connection
    int n = 0;
    while ((n = Fill()) > 0) {
    }
    if (n < 0) return false;
    res.body.assign(in_.data() + pos_, end_ - pos_);
    pos_ = end_;
    keep_alive = false;
  }
  if (pos_ == end_) pos_ = end_ = 0;
  return true;
}

void Conn::Send(std::string_view method, std::string_view target, std::string_view headers,
                std::string_view body, Response& res) {
  out_.clear();
  out_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  out_.append(origin_->host_port).append("\r\n").append(headers);
  if (!body.empty()) out_.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out_.append("\r\n").append(body);
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) Connect();
    received_ = 0;
    bool keep_alive = false;
    if (WriteAll(out_) && ReadResponse(method == "HEAD", res, keep_alive)) {
      if (!keep_alive) Close();
      return;
    }
    Close();
    // Only a keep-alive connection closed before any byte of the answer is retried (once).
    if (!reused || received_ > 0 || attempt > 0) {
      throw std::runtime_error(std::string(method) + " " + std::string(target) + ": " + err_);
    }
  }
}

// ---- Jar

void Jar::Store(const Response& res) {
  for (const auto& [h, line] : res.headers) {
    if (h != "set-cookie") continue;
    std::string_view rest = line;
    std::size_t semi = rest.find(';');
    const std::string_view pair = Trim(rest.substr(0, semi));
    const std::size_t eq = pair.find('=');
    const std::string_view name = eq == std::string_view::npos ? std::string_view() : pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? pair : pair.substr(eq + 1);
    std::string_view path = "/";
    bool expired = false;
    while (semi != std::string_view::npos) {
      rest.remove_prefix(semi + 1);
      semi = rest.find(';');
      const std::string_view attr = Trim(rest.substr(0, semi));
      const std::size_t aeq = attr.find('=');
      const std::string_view k = attr.substr(0, aeq);
      std::string_view v;  // up to a second '=', as `a.split('=')` gives it
      if (aeq != std::string_view::npos) {
        v = attr.substr(aeq + 1);
        v = v.substr(0, v.find('='));
      }
      if (IEquals(k, "path")) path = v;
      if (IEquals(k, "expires") && ExpiredDate(v)) expired = true;
      if (IEquals(k, "max-age") && aeq != std::string_view::npos) {
        long long age = 0;
        const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), age);
        // Number(v) <= 0: "" is 0, anything not a number is NaN (not expired)
        if (v.empty() || (ec == std::errc() && p == v.data() + v.size() && age <= 0)) expired = true;
      }
    }
    auto it = cookies_.begin();
    while (it != cookies_.end() && !(it->name == name && it->path == path)) ++it;
    if (expired || value.empty()) {
      if (it != cookies_.end()) cookies_.erase(it);
    } else if (it != cookies_.end()) {
      it->value = value;
    } else {
      cookies_.push_back({std::string(name), std::string(value), std::string(path)});
    }
  }
}

void Jar::AppendHeader(std::string_view path, std::string& out) const {
  bool any = false;
  for (const Cookie& c : cookies_) {
    const std::string_view p = c.path;
    const bool match = p.empty() || p == "/" || path == p ||
                       (path.substr(0, p.size()) == p && (p.back() == '/' || (path.size() > p.size() && path[p.size()] == '/')));
    if (!match) continue;
    out.append(any ? "; " : "Cookie: ").append(c.name).append("=").append(c.value);
    any = true;
  }
  if (any) out.append("\r\n");
}

// ---- forms, queries, base64

std::string FormEncode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  auto encode = [&out](std::string_view s) {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' ||
          c == '.' || c == '_') {
        out.push_back(ch);
      } else if (c == ' ') {
        out.push_back('+');
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
  };
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    encode(k);
    out.push_back('=');
    encode(v);
  }
  return out;
}

std::string QueryParam(std::string_view url, std::string_view name) {
  url = url.substr(0, url.find('#'));
  const std::size_t q = url.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view query = url.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = kv.find('=');
    if (kv.substr(0, eq) != name) continue;  // the names asked for need no decoding
    std::string out;
    const std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '+') {
        out.push_back(' ');
      } else if (v[i] == '%' && i + 2 < v.size() && HexDigit(v[i + 1]) >= 0 && HexDigit(v[i + 2]) >= 0) {
        out.push_back(static_cast<char>(HexDigit(v[i + 1]) * 16 + HexDigit(v[i + 2])));
        i += 2;
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  }
  return "";
}

std::string FormField(std::string_view html, std::string_view name) {
  std::string needle = "name=\"";
  needle.append(name).append("\" value=\"");
  const std::size_t at = html.find(needle);
  if (at == std::string_view::npos) return "";
  const std::size_t start = at + needle.size();
  const std::size_t end = html.find('"', start);
  return end == std::string_view::npos ? "" : std::string(html.substr(start, end - start));
}

namespace {
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Encode64(const unsigned char* d, std::size_t len, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((len + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    const unsigned v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
  }
  if (len - i == 1) {
    out.push_back(alphabet[d[i] >> 2]);
    out.push_back(alphabet[(d[i] & 3) << 4]);
    if (pad) out.append("==");
  } else if (len - i == 2) {
    out.push_back(alphabet[d[i] >> 2]);
    out.push_back(alphabet[((d[i] & 3) << 4) | (d[i + 1] >> 4)]);
    out.push_back(alphabet[(d[i + 1] & 15) << 2]);
    if (pad) out.push_back('=');
  }
  return out;
}
}  // namespace

std::string Base64Url(const unsigned char* data, std::size_t len) { return Encode64(data, len, kB64Url, false); }

std::string Base64(std::string_view in) {
  return Encode64(reinterpret_cast<const unsigned char*>(in.data()), in.size(), kB64, true);
}

std::string Base64UrlDecode(std::string_view in) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else if (c == '=') break;
    if (v < 0) throw std::runtime_error("bad base64url: " + std::string(in.substr(0, 40)));
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace loadgen
