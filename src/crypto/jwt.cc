#include "crypto/jwt.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>

#include "common/encoding.h"

namespace gatehouse::crypto {
namespace {

constexpr std::size_t kMaxTokenSize = 16 * 1024;

// Header members that would let the token choose its own key or change how it must be
// processed (RFC 7515 §4.1). None has a use for us, and each has a history of attacks.
constexpr std::string_view kRefusedHeaderMembers[] = {"crit", "jku", "jwk", "x5u", "x5c"};

std::optional<boost::json::object> ParseObject(std::string_view text) {
  try {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
  } catch (const std::exception&) {  // allocation failure; syntax errors come back in ec
    return std::nullopt;
  }
}

// An integer JSON number as int64, saturating values above INT64_MAX (a uint64 exp that large
// is "never expires", not an error). Doubles and other kinds are nullopt.
std::optional<std::int64_t> IntegerClaim(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    const std::uint64_t u = v.get_uint64();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    return u > static_cast<std::uint64_t>(kMax) ? kMax : static_cast<std::int64_t>(u);
  }
  return std::nullopt;
}

std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return r;
}

Status Reject(std::string message) { return UnauthenticatedError("jwt: " + std::move(message)); }

// header.payload.signature over claims known to be one serialized JSON object.
Result<std::string> SignObjectJson(const SigningKey& key, std::string_view claims_json, std::string_view typ) {
  // Fixed member order; kid is base64url and alg a constant, so only typ needs escaping.
  std::string header = R"({"alg":")";
  header += JwsAlgName(key.alg());
  header += R"(","kid":")";
  header += key.kid();
  header += R"(","typ":)";
  header += boost::json::serialize(boost::json::value(boost::json::string_view(typ.data(), typ.size())));
  header += '}';

  std::string token = Base64UrlEncode(header);
  token += '.';
  token += Base64UrlEncode(claims_json);
  ASSIGN_OR_RETURN(std::string signature, key.Sign(token));
  token += '.';
  token += Base64UrlEncode(signature);
  return token;
}

}  // namespace

Result<std::string> SignJwt(const SigningKey& key, std::string_view claims_json, std::string_view typ) {
  // A cheap check next to a signature: we never issue a token that our own VerifyJwt would refuse.
  if (!ParseObject(claims_json)) return InvalidArgumentError("jwt: claims are not a JSON object");
  return SignObjectJson(key, claims_json, typ);
}

Result<std::string> SignJwt(const SigningKey& key, const boost::json::object& claims, std::string_view typ) {
  // Serialized from an object, so an object by construction: no second parse.
  return SignObjectJson(key, boost::json::serialize(claims), typ);
}

Result<VerifiedJwt> VerifyJwt(std::string_view token, std::span<const VerificationKey> keys,
                              std::span<const JwsAlg> allowed_algs) {
  if (token.size() > kMaxTokenSize) return Reject("token longer than 16 KiB");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Reject("not three dot-separated parts");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty() || signature_b64.empty()) return Reject("empty part");

  // 1. The header, which only selects a key; nothing in it is trusted beyond that.
  std::optional<std::string> header_json = Base64UrlDecode(header_b64);
  if (!header_json) return Reject("header is not base64url");
  std::optional<boost::json::object> header = ParseObject(*header_json);
  if (!header) return Reject("header is not a JSON object");

  const boost::json::value* alg_value = header->if_contains("alg");
  if (alg_value == nullptr || !alg_value->is_string()) return Reject("alg missing or not a string");
  const boost::json::string& alg_str = alg_value->get_string();
  const std::string_view alg_name(alg_str.data(), alg_str.size());
  if (alg_name == "none") return Reject("alg none refused");
  if (alg_name.starts_with("HS")) return Reject("symmetric alg refused");
  const std::optional<JwsAlg> alg = ParseJwsAlg(alg_name);
  if (!alg) return Reject("unsupported alg");
  if (std::find(allowed_algs.begin(), allowed_algs.end(), *alg) == allowed_algs.end()) {
    return Reject("alg not allowed here");
  }
  for (std::string_view member : kRefusedHeaderMembers) {
    if (header->contains(member)) return Reject("header member \"" + std::string(member) + "\" refused");
  }

  // 2. The key: by exact kid, and its algorithm must be the header's (the key decides the
  //    algorithm; the header merely has to agree, so no token can switch a key to another alg).
  const VerificationKey* key = nullptr;
  if (const boost::json::value* kid_value = header->if_contains("kid")) {
    if (!kid_value->is_string()) return Reject("kid is not a string");
    const boost::json::string& kid_str = kid_value->get_string();
    const std::string_view kid(kid_str.data(), kid_str.size());
    bool kid_known = false;
    for (const VerificationKey& k : keys) {
      if (kid.empty() || k.kid() != kid) continue;
      kid_known = true;
      if (k.alg() == *alg) {
        key = &k;
        break;
      }
    }
    if (key == nullptr) return Reject(kid_known ? "key for kid has another alg" : "unknown kid");
  } else {
    std::size_t candidates = 0;
    for (const VerificationKey& k : keys) {
      if (k.alg() != *alg) continue;
      key = &k;
      ++candidates;
    }
    if (candidates != 1) return Reject("no kid, and not exactly one key for alg");
  }

  // 3. The signature, over the ASCII signing input exactly as received.
  std::optional<std::string> signature = Base64UrlDecode(signature_b64);
  if (!signature) return Reject("signature is not base64url");
  if (!key->Verify(token.substr(0, dot2), *signature)) return Reject("bad signature");

  // 4. Only now the payload.
  std::optional<std::string> payload_json = Base64UrlDecode(payload_b64);
  if (!payload_json) return Reject("payload is not base64url");
  std::optional<boost::json::object> claims = ParseObject(*payload_json);
  if (!claims) return Reject("payload is not a JSON object");
  return VerifiedJwt{std::move(*header), std::move(*claims)};
}

Status CheckTimeClaims(const boost::json::object& claims, UnixSeconds now, UnixSeconds leeway_seconds) {
  const std::int64_t leeway = std::max<std::int64_t>(leeway_seconds, 0);

  const boost::json::value* exp_value = claims.if_contains("exp");
  if (exp_value == nullptr) return Reject("exp missing");
  const std::optional<std::int64_t> exp = IntegerClaim(*exp_value);
  if (!exp) return Reject("exp is not an integer");
  // RFC 7519 §4.1.4: must not be accepted on or after exp (plus leeway for clock skew).
  if (now >= SaturatingAdd(*exp, leeway)) return Reject("expired");

  if (const boost::json::value* nbf_value = claims.if_contains("nbf")) {
    const std::optional<std::int64_t> nbf = IntegerClaim(*nbf_value);
    if (!nbf) return Reject("nbf is not an integer");
    if (*nbf > SaturatingAdd(now, leeway)) return Reject("not yet valid (nbf)");
  }
  if (const boost::json::value* iat_value = claims.if_contains("iat")) {
    if (!IntegerClaim(*iat_value)) return Reject("iat is not an integer");
  }
  return Status::Ok();
}

}  // namespace gatehouse::crypto
