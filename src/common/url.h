// URL pieces Gatehouse needs, written here rather than taken from Boost.URL 1.81, whose query
// parser reads past the end of non-terminated views and which leaves '+' unescaped
// (wire/stack-notes.md pitfall 3).
//
// Query strings follow application/x-www-form-urlencoded as the SDKs send it: '+' and "%20"
// both decode to a space; '%' must be followed by two hex digits; decoded values must be UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace gatehouse {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-decodes `in`; `plus_is_space` maps '+' to ' '. Fails on a malformed escape or
// (when require_utf8) on a result that is not valid UTF-8.
Result<std::string> PercentDecode(std::string_view in, bool plus_is_space, bool require_utf8 = true);

// Parses "a=1&b=2" (no leading '?'). Empty pairs ("a=1&&b=2") are skipped; a key without '='
// has an empty value. Order and duplicates are kept: callers decide what a repeat means.
// Limits: at most `max_params` pairs.
Result<QueryParams> ParseQuery(std::string_view query, std::size_t max_params = 64);

// Percent-encodes everything except RFC 3986 unreserved characters (space becomes "%20").
std::string PercentEncode(std::string_view in);

// Appends "k=v&..." (encoded) to `url`, using '?' or '&' as the URL already requires.
// A fragment in `url` is not expected (redirect URIs with fragments are refused earlier).
std::string AppendQuery(std::string_view url, const QueryParams& params);

// Collapses runs of '/' into one ("//oauth//authorize" -> "/oauth/authorize").
std::string CollapseSlashes(std::string_view path);

// An absolute http(s) URL split into its parts. Parsing is strict: scheme http or https,
// a non-empty host, no userinfo, no fragment.
struct HttpUrl {
  std::string scheme;  // "http" or "https", lowercased
  std::string host;    // as written; IPv6 literals keep their brackets
  std::string port;    // empty when absent
  std::string path;    // begins with '/' or is empty
  std::string query;   // without '?'
};
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// True for 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 (with or without brackets) and the name
// "localhost" (any case, one trailing dot allowed): where plain http may be allowed. Other names
// are not loopback even if they resolve there: the decision is made before resolving, and DNS
// could answer otherwise.
bool IsLoopbackHost(std::string_view host);

}  // namespace gatehouse
