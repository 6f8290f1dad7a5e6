#include "crypto/secret.h"

#include "common/encoding.h"
#include "crypto/hash.h"

namespace gatehouse::crypto {

namespace {
constexpr std::string_view kSha256Prefix = "sha256:";
}  // namespace

std::string NewSecret(Random& random) { return Base64UrlEncode(random.Bytes(32)); }

std::string HashSecret(std::string_view secret) {
  std::string out(kSha256Prefix);
  out += Base64UrlEncode(Sha256(secret));
  return out;
}

bool VerifySecret(std::string_view presented, std::string_view stored) {
  // Both sides have the same public length for any well-formed stored value, so the comparison
  // leaks nothing about the secret; a malformed stored value simply never matches.
  return ConstantTimeEqual(HashSecret(presented), stored);
}

}  // namespace gatehouse::crypto
