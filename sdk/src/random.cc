#include "gatehouse/random.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <string>
#include <utility>

#include "encoding.h"

namespace gatehouse::sdk {
namespace {

// 32 bytes = 256 bits: beyond guessing for state and nonce, and the 43-character verifier is
// RFC 7636 §4.1's minimum length and recommended construction.
constexpr int kRandomBytes = 32;

Result<std::string> random_token() {
  std::array<unsigned char, kRandomBytes> buf{};
  if (RAND_bytes(buf.data(), kRandomBytes) != 1) {
    return Error{ErrorCode::kInternal, "the system's random generator failed (RAND_bytes)"};
  }
  return detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

}  // namespace

Result<std::string> generate_state() { return random_token(); }

Result<std::string> generate_nonce() { return random_token(); }

Result<Pkce> generate_pkce() {
  Result<std::string> verifier = random_token();
  if (!verifier) return std::move(verifier).error();
  Pkce pkce;
  pkce.code_challenge = pkce_challenge(*verifier);
  if (pkce.code_challenge.empty()) return Error{ErrorCode::kInternal, "SHA-256 failed (EVP_Digest)"};
  pkce.code_verifier = std::move(verifier).value();
  return pkce;
}

std::string pkce_challenge(std::string_view code_verifier) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_size = 0;
  // SHA-256 over a caller's string cannot fail short of a broken crypto library; the empty result
  // then is no valid challenge, which generate_pkce reports and a server refuses.
  if (EVP_Digest(code_verifier.data(), code_verifier.size(), md.data(), &md_size, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(md.data()), md_size));
}

}  // namespace gatehouse::sdk
