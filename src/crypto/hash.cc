#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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

// This thread's HMAC context, its digest (SHA-256) set once: each HmacSha256 only sets the key.
// The one-shot HMAC() looked up both the MAC and the digest again on every call (under OpenSSL's
// lock); CSRF tokens, rate-limit keys and one-time codes are HMACed on every login request.
EVP_MAC_CTX* ThreadHmacSha256() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) Die("HMAC fetch");
    return m;
  }();
  struct Holder {
    EVP_MAC_CTX* ctx = nullptr;
    ~Holder() { EVP_MAC_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) {
    holder.ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    if (holder.ctx == nullptr || EVP_MAC_CTX_set_params(holder.ctx, params) != 1) Die("HMAC-SHA-256 context");
  }
  return holder.ctx;
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
  // An empty string_view may carry a null pointer, and EVP_MAC_init reads a null key as "keep the
  // previous one": a valid pointer even for length 0.
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  EVP_MAC_CTX* ctx = ThreadHmacSha256();
  if (EVP_MAC_init(ctx, k, key.size(), nullptr) != 1 || EVP_MAC_update(ctx, d, data.size()) != 1 ||
      EVP_MAC_final(ctx, mac, &len, sizeof mac) != 1 || len != 32) {
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
