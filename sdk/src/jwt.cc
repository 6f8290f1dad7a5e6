// Compact JWS verification (see jwt.h).
//
// Speed: a validation is an RSA public-key operation (~25 us for 2048 bits) plus everything
// here, and the SDK promises that everything here stays under a tenth of it. So the parts are
// decoded four characters at a time (encoding.h's base64url_decode_into) into per-thread buffers
// that keep their capacity, and the header is scanned rather than parsed into a value
// (jose_scan.h).
#include "jwt.h"

#include <array>
#include <cstdint>
#include <optional>

#include "encoding.h"
#include "jose_scan.h"

namespace gatehouse::sdk::detail {
namespace {

Error invalid(std::string message) { return Error{ErrorCode::kInvalidToken, std::move(message), 0, {}, {}}; }

// The header members verification needs; a member given twice counts as its last occurrence.
struct HeaderVisitor {
  enum class Member { kOther, kAlg, kKid, kTyp };
  Member current = Member::kOther;
  std::optional<std::string> alg, kid, typ;  // when present as strings
  std::string refused;                       // a header parameter we refuse, when present

  std::optional<std::string>* slot() {
    switch (current) {
      case Member::kAlg: return &alg;
      case Member::kKid: return &kid;
      case Member::kTyp: return &typ;
      case Member::kOther: break;
    }
    return nullptr;
  }
  void on_member(std::string_view key) {
    current = key == "alg" ? Member::kAlg : key == "kid" ? Member::kKid : key == "typ" ? Member::kTyp : Member::kOther;
    if (auto* s = slot()) s->reset();
    // crit: extensions we do not implement; jku/jwk/x5u/x5c: keys the token would choose itself.
    if (key == "crit" || key == "jku" || key == "jwk" || key == "x5u" || key == "x5c") refused = key;
  }
  void on_string(std::string_view s) {
    if (auto* v = slot()) v->emplace(s);
  }
  void on_number(std::int64_t, bool, double) {}
  void on_array_begin() {}
  void on_element_string(std::string_view) {}
  void on_other() {}
};

}  // namespace

Result<ParsedJws> parse_jws(std::string_view token, const JwsRequirements& requirements, std::string& payload) {
  if (token.size() > kMaxTokenBytes) return invalid("token: longer than 16 KiB");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return invalid("token: not a compact JWS (three dot-separated parts)");
  }
  const std::string_view signing_input = token.substr(0, dot2);

  // Tokens signed by one key mostly share one header text, and what it says is a function of
  // that text: the last one decoded is remembered per thread.
  struct HeaderMemo {
    bool filled = false;  // b64, object and header describe one header text
    std::string b64;
    bool object = false;
    HeaderVisitor header;
  };
  thread_local HeaderMemo memo;
  thread_local std::string scratch;
  thread_local std::string signature;
  const std::string_view header_b64 = token.substr(0, dot1);
  if (!memo.filled || header_b64 != memo.b64) {
    memo.filled = false;
    if (!base64url_decode_into(header_b64, scratch)) return invalid("token: a part is not base64url");
    memo.header = HeaderVisitor{};
    memo.object = scan_object(scratch, memo.header);
    memo.b64.assign(header_b64);
    memo.filled = true;
  }
  if (!base64url_decode_into(token.substr(dot1 + 1, dot2 - dot1 - 1), payload) ||
      !base64url_decode_into(token.substr(dot2 + 1), signature)) {
    return invalid("token: a part is not base64url");
  }
  if (!memo.object) return invalid("token: header is not a JSON object");
  const HeaderVisitor& header = memo.header;
  if (!header.alg) return invalid("token: header has no alg");
  JwsAlg alg;
  bool allowed = false;
  if (parse_jws_alg(*header.alg, alg) && requirements.algorithms != nullptr) {
    for (const std::string& a : *requirements.algorithms) allowed = allowed || a == *header.alg;
  }
  if (!allowed) return invalid("token: algorithm not allowed (RS256 or ES256 as configured)");
  if (!header.refused.empty()) return invalid("token: header parameter \"" + header.refused + "\" refused");
  if (!header.kid) return invalid("token: header has no kid");
  if (requirements.access_token_typ &&
      !(header.typ && (ascii_iequal(*header.typ, "at+jwt") || ascii_iequal(*header.typ, "application/at+jwt")))) {
    return invalid("token: typ is not at+jwt (not an access token)");
  }

  return ParsedJws{signing_input, *header.kid, alg, signature};
}

Status verify_jws_signature(const ParsedJws& jws, JwksCache& jwks) {
  Result<const VerifyKey*> key = jwks.find(jws.kid);
  if (!key.ok()) return std::move(key).error();
  if ((*key)->alg() != jws.alg) return invalid("token: alg does not match the key's algorithm");
  if (!(*key)->verify(jws.signing_input, jws.signature)) return invalid("token: signature does not verify");
  return {};
}

}  // namespace gatehouse::sdk::detail
