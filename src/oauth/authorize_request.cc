#include "oauth/authorize_request.h"

#include <array>
#include <utility>

#include "common/url.h"

namespace gatehouse::oauth {
namespace {

// Known parameters and their limits (decoded bytes). Generous enough for every real client,
// small enough that nothing unbounded reaches a page, a log line or a token.
constexpr std::array<std::pair<std::string_view, std::size_t>, 19> kParams = {{
    {"response_type", 64},
    {"client_id", 64},
    {"redirect_uri", 2000},
    {"scope", 1024},
    {"state", 2048},
    {"nonce", 512},
    {"prompt", 64},
    {"max_age", 10},
    {"organization_id", 64},
    {"connection_id", 64},
    {"login_hint", 320},
    {"domain_hint", 253},
    {"domain", 253},
    {"provider", 32},
    {"code_challenge", 128},
    {"code_challenge_method", 16},
    {"response_mode", 16},
    {"request", 8192},   // request objects are not supported: recognised only to refuse them
    {"request_uri", 2000},
}};

bool HasControlCharacters(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

std::size_t MaxParamLength(std::string_view name) {
  for (const auto& [n, limit] : kParams) {
    if (n == name) return limit;
  }
  return 0;
}

AuthorizeParams ParseAuthorizeQuery(std::string_view query) {
  AuthorizeParams out;
  std::size_t pairs = 0;
  std::set<std::string, std::less<>> seen;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (++pairs > kMaxAuthorizeParams) {
      out.too_many = true;
      return out;
    }
    const std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    if (!key.ok()) continue;  // a key we cannot read is not one we know
    const std::size_t limit = MaxParamLength(*key);
    if (limit == 0) continue;
    if (!seen.insert(*key).second) {
      out.repeated.insert(*key);
      continue;
    }
    const std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (raw.size() > limit * 3) {  // cannot decode to within the limit
      out.malformed.insert(*key);
      continue;
    }
    auto value = PercentDecode(raw, true);
    if (!value.ok() || value->size() > limit || HasControlCharacters(*value)) {
      out.malformed.insert(*key);
      continue;
    }
    if (!value->empty()) out.values.emplace(*key, std::move(value).value());
  }
  return out;
}

}  // namespace gatehouse::oauth
