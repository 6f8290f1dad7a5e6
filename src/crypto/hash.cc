#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>

#include "common/encoding.h"

namespace gatehouse::crypto {
namespace {

// These only fail on allocation failure or a broken OpenSSL install; neither leaves a
// meaningful way to continue, and returning a wrong digest would be a security bug.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "gatehouse: FATAL: %s failed\n", what);
  std::abort();
}

// SHA-256 fetched once. EVP_sha256() makes OpenSSL 3 look the implementation up again on every
// digest (an "implicit fetch" under a lock); tokens, codes and signing inputs are hashed on
// every request.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) Die("SHA-256 fetch");
    return m;
  }();
  return md;
}

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, Sha256Md(), nullptr) != 1 || len != 32) {
    Die("SHA-256");
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  // An empty string_view may carry a null pointer; HMAC() wants a valid one even for length 0.
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), d, data.size(), mac, &len) == nullptr ||
      len != 32) {
    Die("HMAC-SHA-256");
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Fingerprint(std::string_view secret) { return HexEncode(Sha256(secret)).substr(0, 12); }

}  // namespace gatehouse::crypto
