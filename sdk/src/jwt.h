// Compact JWS (RFC 7515) verification against the server's key set. Deliberately narrow:
//   * at most 16 KiB, exactly three strict base64url parts;
//   * the header a JSON object with a string "alg" that is in the caller's list, is RS256 or
//     ES256, and equals the algorithm of the key its (required, string) "kid" names; "crit",
//     "jku", "jwk", "x5u" and "x5c" refused (we never fetch keys a token points to, and know no
//     extensions);
//   * the signature valid for that key.
// The payload (its JSON text, which the caller checks to be an object) and its claims (exp, iss,
// aud ...) are the caller's business (validate.cc). Every failure is kInvalidToken with a message
// naming the check, never the token; a JWKS that cannot be fetched gives the fetch's error.
//
// Two steps, so that the caller can check the claims between them: parse_jws (no network, no
// signature) and verify_jws_signature. Checking cheap things first refuses expired or foreign
// tokens without an RSA operation, and reads the payload while it is still in the cache.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/result.h"
#include "jwks.h"

namespace gatehouse::sdk::detail {

inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct JwsRequirements {
  const std::vector<std::string>* algorithms = nullptr;  // TokenValidationOptions::algorithms
  bool access_token_typ = false;  // header typ must be at+jwt or application/at+jwt (RFC 9068)
};

// A token that passed the structural and header checks; its signature is not verified yet.
// kid and signature live in per-thread storage, valid until this thread's next parse_jws.
struct ParsedJws {
  std::string_view signing_input;  // into the token
  std::string_view kid;
  JwsAlg alg = JwsAlg::kRS256;
  std::string_view signature;
};

// On success, `payload` holds the decoded payload (the caller may reuse one string across calls
// so that its capacity stays).
Result<ParsedJws> parse_jws(std::string_view token, const JwsRequirements& requirements, std::string& payload);

// The key named by kid (fetching the JWKS when needed, see JwksCache), its algorithm equal to
// the header's, and the signature valid for it.
Status verify_jws_signature(const ParsedJws& jws, JwksCache& jwks);

}  // namespace gatehouse::sdk::detail
