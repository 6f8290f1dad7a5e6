// Client secrets (and other high-entropy bearer secrets: refresh tokens, codes).
//
// Gatehouse generates every such secret itself, with 256 bits from the CSPRNG, so a fast hash is
// enough at rest: nobody can guess a 256-bit value, and a slow hash (argon2) would cap the token
// endpoint at a few requests per second. Low-entropy secrets (6-digit codes) are NOT handled
// here: their protection is an attempt limit and a keyed MAC.
#pragma once

#include <string>
#include <string_view>

#include "common/random.h"

namespace gatehouse::crypto {

// 32 random bytes, base64url without padding (43 characters).
std::string NewSecret(Random& random);

// "sha256:<base64url of SHA-256(secret)>". Deterministic, so it can also serve as a lookup key.
std::string HashSecret(std::string_view secret);

// True when HashSecret(presented) equals `stored`, compared in constant time.
bool VerifySecret(std::string_view presented, std::string_view stored);

}  // namespace gatehouse::crypto
