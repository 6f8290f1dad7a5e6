// Asymmetric keys for JOSE (RFC 7515/7517/7518): signing keys that Gatehouse owns and
// verification keys (its own public halves, or an upstream IdP's keys from a JWKS).
//
// Algorithms are an allow-list: RS256 (RSA >= 2048 bits, PKCS#1 v1.5, SHA-256) and ES256 (P-256,
// SHA-256; signatures are the JWS raw R||S form, 64 bytes, not DER). Nothing symmetric, nothing
// "none". A key is bound to one algorithm; verification uses the key's algorithm, never the
// token header's (the header must merely agree).
//
// Thread safety: keys are immutable after creation; Sign and Verify may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gatehouse::crypto {

enum class JwsAlg { kRS256, kES256 };

std::string_view JwsAlgName(JwsAlg alg);                 // "RS256" / "ES256"
std::optional<JwsAlg> ParseJwsAlg(std::string_view name);  // exact, case-sensitive

class VerificationKey;

// A private signing key. Movable, not copyable.
class SigningKey {
 public:
  // RS256: a fresh RSA key of `rsa_bits` (>= 2048). ES256: a fresh P-256 key.
  static Result<SigningKey> Generate(JwsAlg alg, int rsa_bits = 2048);
  // Loads a key serialized by ToPkcs8Der(). kInvalidArgument if the DER does not parse or does
  // not match `alg` (wrong key type, RSA under 2048 bits, EC curve not P-256).
  static Result<SigningKey> FromPkcs8Der(JwsAlg alg, std::string_view der);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  JwsAlg alg() const;
  // RFC 7638 JWK thumbprint (SHA-256, base64url), so the same key always has the same kid.
  const std::string& kid() const;
  // Secret material: PKCS#8 DER of the private key. Callers encrypt it before storing it.
  std::string ToPkcs8Der() const;
  // The public JWK as a compact JSON object: {"kty","use":"sig","alg","kid",...} with
  // "n","e" (RSA) or "crv","x","y" (EC, coordinates left-padded to 32 bytes). No private member.
  const std::string& PublicJwkJson() const;
  // The JWS signature over `signing_input` (ASCII "header.payload"), raw bytes.
  Result<std::string> Sign(std::string_view signing_input) const;
  VerificationKey Public() const;

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A public key that verifies JWS signatures. Copyable (shares the underlying key).
class VerificationKey {
 public:
  // From one JWK object in JSON text. Requires "kty" RSA (n, e; modulus 2048..16384 bits) or EC
  // (crv P-256, x, y of 32 bytes, point on the curve). The algorithm comes from "alg" when
  // present (must be RS256/ES256 and agree with kty), else from kty. "use", when present, must
  // be "sig". "kid" may be absent (then kid() is empty). Private members are ignored.
  static Result<VerificationKey> FromJwkJson(std::string_view jwk_json);

  JwsAlg alg() const;
  const std::string& kid() const;
  // True only for a valid signature by this key. Never throws; malformed input is false.
  bool Verify(std::string_view signing_input, std::string_view signature) const;

 private:
  friend class SigningKey;
  struct Impl;
  explicit VerificationKey(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace gatehouse::crypto
