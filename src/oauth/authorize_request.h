// Parsing of the authorization request's query (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636),
// separated from the endpoint so that it can be unit-tested and fuzzed on its own.
//
// The parser keeps each known parameter's decoded value and notes, per parameter, whether it was
// repeated or could not be decoded, instead of failing on the first problem: whether an error
// can be redirected to the client depends on client_id and redirect_uri being clean, which the
// endpoint decides afterwards. Unknown parameters are ignored (OIDC Core §3.1.2.1 says to).
// Empty values count as absent (RFC 6749 §3.1), but an empty repeat still counts as a repeat.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace gatehouse::oauth {

struct AuthorizeParams {
  std::map<std::string, std::string, std::less<>> values;  // known parameters, decoded, non-empty
  std::set<std::string, std::less<>> repeated;             // known parameters given more than once
  std::set<std::string, std::less<>> malformed;            // bad escapes, invalid UTF-8, control characters, too long
  bool too_many = false;                                   // more than kMaxParams pairs: nothing is trusted

  std::string_view Get(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::string_view() : std::string_view(it->second);
  }
  // Present once, well-formed, non-empty.
  bool Clean(std::string_view name) const {
    return values.contains(name) && !repeated.contains(name) && !malformed.contains(name);
  }
};

inline constexpr std::size_t kMaxAuthorizeParams = 64;

// Never fails: every problem is recorded in the result. Never throws; safe on any input.
AuthorizeParams ParseAuthorizeQuery(std::string_view query);

// The maximum decoded length of a known parameter, or 0 for an unknown one.
std::size_t MaxParamLength(std::string_view name);

}  // namespace gatehouse::oauth
