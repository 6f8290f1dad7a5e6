// Compact JWS/JWT (RFC 7515, RFC 7519) signing and verification.
//
// Verification is deliberately narrow: exactly three base64url parts, a JSON-object header
// whose "alg" is in the caller's allow-list AND equals the algorithm of the key chosen by "kid",
// a JSON-object payload. "none", HMAC algorithms, "jku"/"jwk"/"x5u"/"x5c" header keys and "crit"
// are refused. Claims (exp, nbf, iss, aud ...) are checked by the caller, who knows the protocol:
// see CheckTimeClaims for the common part.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/jwk.h"

namespace gatehouse::crypto {

// Produces header.payload.signature with header {"alg":..,"kid":..,"typ":typ}.
// `claims_json` must be a serialized JSON object (the caller builds it); it is checked, and
// kInvalidArgument returned otherwise, so we never issue a token VerifyJwt would refuse.
Result<std::string> SignJwt(const SigningKey& key, std::string_view claims_json, std::string_view typ = "JWT");
// The same for claims the caller holds as an object (what the token issuer does): serialized
// here, and not parsed again.
Result<std::string> SignJwt(const SigningKey& key, const boost::json::object& claims, std::string_view typ = "JWT");

struct VerifiedJwt {
  boost::json::object header;
  boost::json::object claims;
};

// Verifies the signature with the key whose kid equals the header's "kid". When the header has no
// kid and exactly one key of the header's alg is given, that key is used. Errors (all
// kUnauthenticated, with a message for logs): malformed token, algorithm not allowed, unknown
// kid, bad signature. Tokens longer than 16 KiB are refused unread.
Result<VerifiedJwt> VerifyJwt(std::string_view token, std::span<const VerificationKey> keys,
                              std::span<const JwsAlg> allowed_algs);

// exp (required, integer, > now - leeway), nbf and iat (optional; nbf <= now + leeway).
Status CheckTimeClaims(const boost::json::object& claims, UnixSeconds now, UnixSeconds leeway_seconds);

}  // namespace gatehouse::crypto
