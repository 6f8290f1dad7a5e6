#include "crypto/aead.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/hash.h"

namespace gatehouse::crypto {
namespace {

constexpr std::size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(Aead::kKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(Aead::kOverhead == kNonceSize + kTagSize);

// sodium_init() must run before any other libsodium call; a function-local static makes the
// first call thread-safe and the rest free.
void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) {
    std::fputs("gatehouse: FATAL: sodium_init failed\n", stderr);
    std::abort();
  }
}

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

Result<Aead> Aead::Create(std::string_view key) {
  if (key.size() != kKeySize) return InvalidArgumentError("aead: key must be 32 bytes");
  EnsureSodium();
  return Aead(std::string(key));
}

std::string Aead::Seal(std::string_view plaintext, std::string_view aad, Random& random) const {
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  random.Fill(std::span<std::uint8_t>(nonce, kNonceSize));
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceSize, &clen, Bytes(plaintext), plaintext.size(),
                                             Bytes(aad), aad.size(), nullptr, nonce, Bytes(key_));
  out.resize(kNonceSize + clen);
  return out;
}

Result<std::string> Aead::Open(std::string_view sealed, std::string_view aad) const {
  if (sealed.size() < kOverhead) return DataLossError("aead: sealed value too short");
  const auto* nonce = Bytes(sealed);
  std::string_view ciphertext = sealed.substr(kNonceSize);
  std::string out(ciphertext.size() - kTagSize, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr,
                                                 Bytes(ciphertext), ciphertext.size(), Bytes(aad), aad.size(),
                                                 nonce, Bytes(key_)) != 0) {
    return DataLossError("aead: authentication failed (tampered, or wrong key or AAD)");
  }
  out.resize(mlen);
  return out;
}

std::string DeriveKey(std::string_view master_key, std::string_view purpose) {
  // HKDF-Expand (RFC 5869 §2.3) with L = 32: T(1) = HMAC(PRK, info || 0x01). The master key is
  // already uniformly random, so it serves as the PRK without an Extract step.
  std::string info(purpose);
  info += '\x01';
  return HmacSha256(master_key, info);
}

}  // namespace gatehouse::crypto
