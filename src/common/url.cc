#include "common/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "common/encoding.h"
#include "common/strings.h"

namespace gatehouse {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

Result<std::string> PercentDecode(std::string_view in, bool plus_is_space, bool require_utf8) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return InvalidArgumentError("malformed percent-encoding");
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgumentError("malformed percent-encoding");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (require_utf8 && !IsValidUtf8(out)) return InvalidArgumentError("value is not valid UTF-8");
  return out;
}

Result<QueryParams> ParseQuery(std::string_view query, std::size_t max_params) {
  QueryParams params;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (params.size() == max_params) return InvalidArgumentError("too many query parameters");
    std::size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    ASSIGN_OR_RETURN(std::string key, PercentDecode(k, true));
    ASSIGN_OR_RETURN(std::string value, PercentDecode(v, true));
    params.emplace_back(std::move(key), std::move(value));
  }
  return params;
}

std::string PercentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3 / 2);
  for (unsigned char c : in) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string AppendQuery(std::string_view url, const QueryParams& params) {
  std::string out(url);
  if (params.empty()) return out;
  char sep = '?';
  if (out.find('?') != std::string::npos) sep = (out.back() == '?' || out.back() == '&') ? '\0' : '&';
  for (const auto& [k, v] : params) {
    if (sep) out += sep;
    sep = '&';
    out += PercentEncode(k);
    out += '=';
    out += PercentEncode(v);
  }
  return out;
}

std::string CollapseSlashes(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  return out;
}

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  HttpUrl u;
  auto colon = url.find("://");
  if (colon == std::string_view::npos) return InvalidArgumentError("not an absolute URL");
  u.scheme.assign(url.substr(0, colon));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "http" && u.scheme != "https") return InvalidArgumentError("scheme must be http or https");
  std::string_view rest = url.substr(colon + 3);
  if (rest.find('#') != std::string_view::npos) return InvalidArgumentError("URL must not have a fragment");
  for (unsigned char c : rest) {
    if (c <= 0x20 || c >= 0x7F) return InvalidArgumentError("URL contains spaces or control characters");
  }
  std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return InvalidArgumentError("URL must not have userinfo");
  if (authority.empty()) return InvalidArgumentError("URL has no host");
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("malformed IPv6 host");
    u.host.assign(authority.substr(0, close + 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return InvalidArgumentError("malformed host");
      u.port.assign(authority.substr(1));
    }
  } else {
    auto pc = authority.find(':');
    u.host.assign(authority.substr(0, pc));
    if (pc != std::string_view::npos) u.port.assign(authority.substr(pc + 1));
  }
  if (u.host.empty()) return InvalidArgumentError("URL has no host");
  if (!u.port.empty()) {
    if (u.port.size() > 5 || !std::all_of(u.port.begin(), u.port.end(), ::isdigit) || std::stoi(u.port) == 0 ||
        std::stoi(u.port) > 65535) {
      return InvalidArgumentError("malformed port");
    }
  }
  auto q = rest.find('?');
  u.path.assign(rest.substr(0, q));
  if (q != std::string_view::npos) u.query.assign(rest.substr(q + 1));
  return u;
}

bool IsLoopbackHost(std::string_view host) {
  std::string h = AsciiLower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

}  // namespace gatehouse
