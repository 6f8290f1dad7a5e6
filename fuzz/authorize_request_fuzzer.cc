// libFuzzer target over the authorization request's query parsing: the input is taken as the raw
// query string of GET /oauth/authorize (without the '?').
//
// Checked on every input, besides "no crash, no sanitizer report":
//   ParseAuthorizeQuery
//     - every kept value is non-empty, within MaxParamLength(name), valid UTF-8, free of control
//       characters, and belongs to a known parameter;
//     - repeated and malformed hold only known parameters; no name is both Clean() and repeated;
//     - too_many exactly when the query has more than kMaxAuthorizeParams non-empty pairs;
//     - when the generic ParseQuery can read the whole query, the two agree on every known name.
//   ParseQuery
//     - at most max_params pairs, every key and value valid UTF-8;
//     - re-encoding the pairs with AppendQuery and parsing again gives the same pairs, and
//       ParseAuthorizeQuery gives the same result on the re-encoded query.
//   PercentDecode / PercentEncode
//     - a decoded value is never longer than its input and valid UTF-8 when UTF-8 is required;
//     - PercentDecode(PercentEncode(x)) == x for any bytes x.
//
// Built by scripts/fuzz with clang++ -fsanitize=fuzzer,address,undefined.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/url.h"
#include "invariant.h"
#include "oauth/authorize_request.h"

namespace {

using gatehouse::oauth::AuthorizeParams;
using gatehouse::oauth::kMaxAuthorizeParams;
using gatehouse::oauth::MaxParamLength;

bool HasControlCharacters(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

std::size_t CountPairs(std::string_view query) {
  std::size_t n = 0;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    if (amp != 0) ++n;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return n;
}

void CheckAuthorizeParams(const AuthorizeParams& p) {
  for (const auto& [name, value] : p.values) {
    const std::size_t limit = MaxParamLength(name);
    CHECK(limit > 0, name);
    CHECK(!value.empty(), name);
    CHECK(value.size() <= limit, name);
    CHECK(gatehouse::IsValidUtf8(value), name);
    CHECK(!HasControlCharacters(value), name);
    CHECK(p.Get(name) == value, name);
  }
  for (const auto& name : p.repeated) {
    CHECK(MaxParamLength(name) > 0, name);
    CHECK(!p.Clean(name), name);
  }
  for (const auto& name : p.malformed) {
    CHECK(MaxParamLength(name) > 0, name);
    CHECK(!p.Clean(name), name);
  }
}

bool SameResult(const AuthorizeParams& a, const AuthorizeParams& b) {
  return a.values == b.values && a.repeated == b.repeated && a.malformed == b.malformed &&
         a.too_many == b.too_many;
}

// What ParseAuthorizeQuery must say, derived from ParseQuery's pairs (only when ParseQuery could
// read every pair, so no key was skipped for a bad escape).
void CheckAgainstGenericParse(const AuthorizeParams& p, const gatehouse::QueryParams& pairs) {
  CHECK(!p.too_many);
  std::map<std::string, std::size_t> count;
  std::map<std::string, std::string> first;
  for (const auto& [k, v] : pairs) {
    if (MaxParamLength(k) == 0) continue;
    if (count[k]++ == 0) first[k] = v;
  }
  for (const auto& [name, n] : count) {
    const std::string& v = first[name];
    const bool bad = v.size() > MaxParamLength(name) || HasControlCharacters(v);
    CHECK(p.repeated.contains(name) == (n > 1), name);
    CHECK(p.malformed.contains(name) == bad, name);
    if (bad || v.empty()) {
      CHECK(!p.values.contains(name), name);
    } else {
      CHECK(p.Get(name) == v, name);
    }
  }
  for (const auto& [name, value] : p.values) CHECK(count.contains(name), name);
  for (const auto& name : p.repeated) CHECK(count.contains(name), name);
  for (const auto& name : p.malformed) CHECK(count.contains(name), name);
}

void CheckPercentDecoding(std::string_view in) {
  for (bool plus : {false, true}) {
    auto strict = gatehouse::PercentDecode(in, plus, true);
    auto loose = gatehouse::PercentDecode(in, plus, false);
    if (strict.ok()) {
      CHECK(loose.ok());
      CHECK(*strict == *loose);
      CHECK(gatehouse::IsValidUtf8(*strict));
    }
    if (loose.ok()) {
      CHECK(loose->size() <= in.size());
      // Valid escapes: the strict decode fails only for UTF-8.
      CHECK(strict.ok() == gatehouse::IsValidUtf8(*loose));
    }
    // Encoding then decoding gives back any bytes at all.
    const std::string encoded = gatehouse::PercentEncode(in);
    auto back = gatehouse::PercentDecode(encoded, plus, false);
    CHECK(back.ok());
    CHECK(*back == in);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);

  const AuthorizeParams params = gatehouse::oauth::ParseAuthorizeQuery(query);
  CheckAuthorizeParams(params);
  CHECK(params.too_many == (CountPairs(query) > kMaxAuthorizeParams));

  CheckPercentDecoding(query);

  auto pairs = gatehouse::ParseQuery(query, kMaxAuthorizeParams);
  if (!pairs.ok()) return 0;
  CHECK(pairs->size() <= kMaxAuthorizeParams);
  for (const auto& [k, v] : *pairs) {
    CHECK(gatehouse::IsValidUtf8(k));
    CHECK(gatehouse::IsValidUtf8(v));
  }
  CheckAgainstGenericParse(params, *pairs);

  // Re-encode (as the server does when it redirects) and parse again: nothing may change.
  const std::string reencoded = gatehouse::AppendQuery("", *pairs);
  const std::string_view requery = reencoded.empty() ? std::string_view() : std::string_view(reencoded).substr(1);
  auto again = gatehouse::ParseQuery(requery, kMaxAuthorizeParams);
  CHECK(again.ok(), requery);
  CHECK(*again == *pairs, requery);
  CHECK(SameResult(gatehouse::oauth::ParseAuthorizeQuery(requery), params), requery);
  return 0;
}
