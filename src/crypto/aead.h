// Authenticated encryption (XChaCha20-Poly1305, libsodium) for data at rest (signing keys under
// the master key) and for sealed values handed to browsers (login transactions).
//
// Sealed format: 24-byte random nonce || ciphertext || 16-byte tag. The 192-bit nonce makes
// random nonces safe for any number of messages under one key. `aad` binds the ciphertext to its
// context (for example a key id): opening with other AAD fails.
// Thread safety: an Aead is immutable after construction; Seal/Open may run concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/random.h"
#include "common/status.h"

namespace gatehouse::crypto {

class Aead {
 public:
  static constexpr std::size_t kKeySize = 32;
  static constexpr std::size_t kOverhead = 24 + 16;

  // `key` must be exactly kKeySize bytes.
  static Result<Aead> Create(std::string_view key);

  std::string Seal(std::string_view plaintext, std::string_view aad, Random& random) const;
  // kDataLoss when the input is too short, was tampered with, or was sealed under another key/AAD.
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit Aead(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// Derives an independent 32-byte subkey for `purpose` from a master key (HMAC-SHA-256 based,
// HKDF-Expand with one block), so one master key can serve several uses without key reuse.
std::string DeriveKey(std::string_view master_key, std::string_view purpose);

}  // namespace gatehouse::crypto
