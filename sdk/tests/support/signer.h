// Test-only JOSE signing for the SDK's tests: keys generated with OpenSSL, their public JWKs, and
// compact JWS tokens built by hand, independently of the SDK's own code (which only verifies).
// Header-only; include from a test.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gatehouse::sdk::test {

inline std::string b64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  auto at = [&bytes](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

class TestKey {
 public:
  enum class Type { kRsa, kP256 };

  static TestKey generate(Type type, int rsa_bits = 2048) {
    EVP_PKEY* p = type == Type::kRsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits))
                                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (p == nullptr) throw std::runtime_error("keygen failed");
    return TestKey(type, p);
  }

  Type type() const { return type_; }

  // The public JWK as JSON text; `extra` is appended inside the object (",\"alg\":\"RS256\"").
  std::string jwk(const std::string& kid, const std::string& extra = "") const {
    if (type_ == Type::kRsa) {
      return R"({"kty":"RSA","kid":")" + kid + R"(","n":")" + b64url(bn(OSSL_PKEY_PARAM_RSA_N, 0)) + R"(","e":")" +
             b64url(bn(OSSL_PKEY_PARAM_RSA_E, 0)) + "\"" + extra + "}";
    }
    return R"({"kty":"EC","crv":"P-256","kid":")" + kid + R"(","x":")" + b64url(bn(OSSL_PKEY_PARAM_EC_PUB_X, 32)) +
           R"(","y":")" + b64url(bn(OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"" + extra + "}";
  }

  // The JWS signature: RS256 PKCS#1 v1.5, or ES256 as 64 bytes R||S.
  std::string sign(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, pkey_.get(), nullptr) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) !=
            1) {
      throw std::runtime_error("sign failed");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      throw std::runtime_error("sign failed");
    }
    sig.resize(len);
    if (type_ == Type::kRsa) return sig;
    const unsigned char* der = reinterpret_cast<const unsigned char*>(sig.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> s(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(len)),
                                                             ECDSA_SIG_free);
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(s.get()), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(s.get()), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    return raw;
  }

  // SubjectPublicKeyInfo PEM: what an "alg confusion" attacker would use as an HMAC key.
  std::string public_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  }

 private:
  TestKey(Type type, EVP_PKEY* p) : type_(type), pkey_(p, EVP_PKEY_free) {}

  std::string bn(const char* name, int pad) const {
    BIGNUM* b = nullptr;
    if (EVP_PKEY_get_bn_param(pkey_.get(), name, &b) != 1) throw std::runtime_error("bn param");
    std::string out(pad > 0 ? static_cast<std::size_t>(pad) : static_cast<std::size_t>(BN_num_bytes(b)), '\0');
    if (pad > 0) {
      BN_bn2binpad(b, reinterpret_cast<unsigned char*>(out.data()), pad);
    } else {
      BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
    }
    BN_free(b);
    return out;
  }

  Type type_;
  std::shared_ptr<EVP_PKEY> pkey_;
};

// header.payload.signature with the given JSON texts.
inline std::string make_token(const std::string& header_json, const std::string& payload_json, const TestKey& key) {
  const std::string input = b64url(header_json) + "." + b64url(payload_json);
  return input + "." + b64url(key.sign(input));
}

inline std::string make_hs256_token(const std::string& header_json, const std::string& payload_json,
                                    std::string_view secret) {
  const std::string input = b64url(header_json) + "." + b64url(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + b64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

}  // namespace gatehouse::sdk::test
