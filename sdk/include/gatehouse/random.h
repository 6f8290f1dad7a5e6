// Values an application generates per login: state (CSRF protection of the callback), nonce
// (binds the ID token to this login) and a PKCE pair (RFC 7636). All come from the operating
// system's CSPRNG (OpenSSL's RAND_bytes); they fail only if that generator does.
#pragma once

#include <string>
#include <string_view>

#include "gatehouse/result.h"
#include "gatehouse/export.h"

namespace gatehouse::sdk {

// 32 random bytes, base64url without padding (43 characters).
GATEHOUSE_SDK_API Result<std::string> generate_state();
GATEHOUSE_SDK_API Result<std::string> generate_nonce();

struct Pkce {
  std::string code_verifier;            // 43 characters of [A-Za-z0-9-_] (32 random bytes)
  std::string code_challenge;           // base64url(SHA-256(code_verifier)), no padding
  std::string code_challenge_method = "S256";
};
GATEHOUSE_SDK_API Result<Pkce> generate_pkce();

// base64url(SHA-256(verifier)) without padding: the S256 challenge of a given verifier.
GATEHOUSE_SDK_API std::string pkce_challenge(std::string_view code_verifier);

}  // namespace gatehouse::sdk
