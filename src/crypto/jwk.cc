#include "crypto/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstring>
#include <exception>
#include <mutex>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace gatehouse::crypto {
namespace {

// RFC 7518 §3.3 requires >= 2048. The upper bound is OpenSSL's own limit for RSA verification
// (OPENSSL_RSA_MAX_MODULUS_BITS); refusing larger keys at load time gives a clear error instead
// of a key that can never verify anything.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr std::size_t kP256CoordinateSize = 32;
constexpr std::size_t kEs256SignatureSize = 2 * kP256CoordinateSize;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct P8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;
using P8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;

const unsigned char* U8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// The oldest entry of OpenSSL's per-thread error queue, for logs; also clears the queue so that
// a stale error never shows up in an unrelated later message.
std::string TakeOpensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string BnToBytes(const BIGNUM* bn) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::optional<std::string> BnToPaddedBytes(const BIGNUM* bn, std::size_t size) {
  std::string out(size, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) < 0) {
    return std::nullopt;
  }
  return out;
}

BnPtr GetBnParam(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return BnPtr(bn);
}

bool IsP256(const EVP_PKEY* pkey) {
  char name[64];
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
    ERR_clear_error();  // explicit curve parameters have no name: refused below
    return false;
  }
  std::string_view n(name, len);
  return n == "prime256v1" || n == "P-256" || n == "secp256r1";
}

// Checks that `pkey` is usable for `alg` (key type, size, curve).
Status CheckKeyForAlg(JwsAlg alg, const EVP_PKEY* pkey) {
  switch (alg) {
    case JwsAlg::kRS256: {
      // "RSA" only: an RSA-PSS-restricted key cannot make PKCS#1 v1.5 signatures.
      if (!EVP_PKEY_is_a(pkey, "RSA")) return InvalidArgumentError("key is not an RSA key");
      const int bits = EVP_PKEY_get_bits(pkey);
      if (bits < kMinRsaBits) return InvalidArgumentError("RSA key under 2048 bits");
      if (bits > kMaxRsaBits) return InvalidArgumentError("RSA key over 16384 bits");
      return Status::Ok();
    }
    case JwsAlg::kES256:
      if (!EVP_PKEY_is_a(pkey, "EC")) return InvalidArgumentError("key is not an EC key");
      if (!IsP256(pkey)) return InvalidArgumentError("EC key is not on P-256");
      return Status::Ok();
  }
  return InvalidArgumentError("unknown algorithm");
}

// The public members of a key, base64url-encoded, in the forms both the JWK and the RFC 7638
// thumbprint use.
struct PublicMembers {
  std::string a;  // RSA: n; EC: x
  std::string b;  // RSA: e; EC: y
};

Result<PublicMembers> ExportPublic(JwsAlg alg, const EVP_PKEY* pkey) {
  if (alg == JwsAlg::kRS256) {
    BnPtr n = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_N);
    BnPtr e = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return InternalError("cannot read RSA public key");
    // RFC 7518 §6.3.1: unsigned big-endian, minimal length (no leading zero octets).
    return PublicMembers{Base64UrlEncode(BnToBytes(n.get())), Base64UrlEncode(BnToBytes(e.get()))};
  }
  BnPtr x = GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  BnPtr y = GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return InternalError("cannot read EC public key");
  // RFC 7518 §6.2.1.2: coordinates are the full field size, left-padded with zeros.
  auto xb = BnToPaddedBytes(x.get(), kP256CoordinateSize);
  auto yb = BnToPaddedBytes(y.get(), kP256CoordinateSize);
  if (!xb || !yb) return InternalError("EC coordinate does not fit 32 bytes");
  return PublicMembers{Base64UrlEncode(*xb), Base64UrlEncode(*yb)};
}

// RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. All values
// are base64url or fixed ASCII, so no JSON escaping is needed.
std::string Thumbprint(JwsAlg alg, const PublicMembers& m) {
  std::string canonical;
  if (alg == JwsAlg::kRS256) {
    canonical = R"({"e":")" + m.b + R"(","kty":"RSA","n":")" + m.a + R"("})";
  } else {
    canonical = R"({"crv":"P-256","kty":"EC","x":")" + m.a + R"(","y":")" + m.b + R"("})";
  }
  return Base64UrlEncode(Sha256(canonical));
}

std::string PublicJwk(JwsAlg alg, const std::string& kid, const PublicMembers& m) {
  std::string out = R"({"kty":")";
  out += alg == JwsAlg::kRS256 ? "RSA" : "EC";
  out += R"(","use":"sig","alg":")";
  out += JwsAlgName(alg);
  out += R"(","kid":")" + kid + '"';
  if (alg == JwsAlg::kRS256) {
    out += R"(,"n":")" + m.a + R"(","e":")" + m.b + R"("})";
  } else {
    out += R"(,"crv":"P-256","x":")" + m.a + R"(","y":")" + m.b + R"("})";
  }
  return out;
}

enum class KeyOp { kSign, kVerify };

// A context prepared for signing or verifying with `pkey`: EVP_PKEY_sign_init/verify_init, and
// PKCS#1 v1.5 padding with the SHA-256 DigestInfo for RSA. Null on failure.
PkeyCtxPtr NewKeyContext(JwsAlg alg, EVP_PKEY* pkey, KeyOp op) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return nullptr;
  if ((op == KeyOp::kSign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) return nullptr;
  if (alg == JwsAlg::kRS256 && (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
                                EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1)) {
    return nullptr;
  }
  return ctx;
}

// Prepared contexts of one key, reused. Setting one up (the provider fetch under OpenSSL's lock,
// the key's export to the provider, the padding) costs about a third of an ES256 signature, and
// EVP_PKEY_sign/verify on a prepared context may be repeated (each call is one-shot: the digest
// is passed in); a context is not safe to use from two threads at once, so each call takes one
// from here and gives it back.
class ContextPool {
 public:
  ContextPool(JwsAlg alg, EVP_PKEY* pkey, KeyOp op) : alg_(alg), pkey_(pkey), op_(op) {}

  // A prepared context, idle or new; null when OpenSSL fails (the error queue says why).
  PkeyCtxPtr Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        PkeyCtxPtr ctx = std::move(idle_.back());
        idle_.pop_back();
        return ctx;
      }
    }
    return NewKeyContext(alg_, pkey_, op_);
  }

  void Give(PkeyCtxPtr ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(ctx));
  }

 private:
  // At most this many idle contexts are kept: one per thread that uses the key at the same time.
  static constexpr std::size_t kMaxIdle = 64;

  const JwsAlg alg_;
  EVP_PKEY* const pkey_;  // owned by the key object that owns this pool
  const KeyOp op_;
  std::mutex mu_;
  std::vector<PkeyCtxPtr> idle_;
};

// The raw signature: DER ECDSA-Sig-Value for ES256.
Result<std::string> SignDigestOf(ContextPool& pool, std::string_view input) {
  PkeyCtxPtr ctx = pool.Take();
  if (!ctx) return InternalError("jws sign: " + TakeOpensslError());
  const std::string digest = Sha256(input);  // JWS signs SHA-256(signing input) (RFC 7518 §3)
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, U8(digest), digest.size()) != 1) {
    return InternalError("jws sign: " + TakeOpensslError());
  }
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, U8(digest), digest.size()) != 1) {
    return InternalError("jws sign: " + TakeOpensslError());  // the context is dropped
  }
  sig.resize(len);
  pool.Give(std::move(ctx));
  return sig;
}

Result<std::string> SignWith(JwsAlg alg, ContextPool& signers, std::string_view input) {
  ASSIGN_OR_RETURN(std::string sig, SignDigestOf(signers, input));
  if (alg == JwsAlg::kRS256) return sig;

  // ES256: OpenSSL emits a DER ECDSA-Sig-Value; JWS wants R || S, each 32 bytes (RFC 7518 §3.4).
  const unsigned char* p = U8(sig);
  EcdsaSigPtr ecdsa(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!ecdsa) return InternalError("jws sign: " + TakeOpensslError());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(ecdsa.get(), &r, &s);
  auto rb = BnToPaddedBytes(r, kP256CoordinateSize);
  auto sb = BnToPaddedBytes(s, kP256CoordinateSize);
  if (!rb || !sb) return InternalError("jws sign: ECDSA value does not fit 32 bytes");
  return *rb + *sb;
}

bool VerifyWith(JwsAlg alg, EVP_PKEY* pkey, ContextPool& verifiers, std::string_view input,
                std::string_view signature) {
  std::string der;  // ES256: the signature re-encoded as DER for OpenSSL
  std::string_view sig = signature;
  if (alg == JwsAlg::kRS256) {
    // An RSA signature is exactly the modulus length (RFC 8017 §8.2.2 step 1).
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey))) return false;
  } else {
    // Only the fixed-size JWS form: a DER signature, or any other length, is malformed.
    if (signature.size() != kEs256SignatureSize) return false;
    EcdsaSigPtr ecdsa(ECDSA_SIG_new());
    BnPtr r(BN_bin2bn(U8(signature), kP256CoordinateSize, nullptr));
    BnPtr s(BN_bin2bn(U8(signature) + kP256CoordinateSize, kP256CoordinateSize, nullptr));
    if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa.get(), r.get(), s.get()) != 1) {
      ERR_clear_error();
      return false;
    }
    r.release();  // now owned by `ecdsa`
    s.release();
    unsigned char* buf = nullptr;
    const int n = i2d_ECDSA_SIG(ecdsa.get(), &buf);
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    der.assign(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
    OPENSSL_free(buf);
    sig = der;
  }
  PkeyCtxPtr ctx = verifiers.Take();
  if (!ctx) {
    ERR_clear_error();
    return false;
  }
  const std::string digest = Sha256(input);
  const bool ok = EVP_PKEY_verify(ctx.get(), U8(sig), sig.size(), U8(digest), digest.size()) == 1;
  if (!ok) ERR_clear_error();  // a bad signature is an expected event, not an error to keep
  verifiers.Give(std::move(ctx));  // one-shot: a refused signature leaves the context as it was
  return ok;
}

// ---- JWK import ----

// Reads an optional string member: nullopt when absent, error when present but not a string.
Result<std::optional<std::string_view>> OptionalString(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return std::optional<std::string_view>();
  if (!v->is_string()) return InvalidArgumentError("jwk: \"" + std::string(key) + "\" is not a string");
  const boost::json::string& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

Result<std::string> RequiredBase64Url(const boost::json::object& o, std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string_view> text, OptionalString(o, key));
  if (!text) return InvalidArgumentError("jwk: missing \"" + std::string(key) + "\"");
  std::optional<std::string> bytes = Base64UrlDecode(*text);
  if (!bytes || bytes->empty()) return InvalidArgumentError("jwk: \"" + std::string(key) + "\" is not base64url");
  return std::move(*bytes);
}

Result<PkeyPtr> PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return InvalidArgumentError(std::string("jwk: not a valid public key: ") + TakeOpensslError());
  }
  PkeyPtr pkey(raw);
  // RSA: odd n, odd e > 1, no small factors in n. EC: the point is on the curve and not at
  // infinity (fromdata already refuses off-curve points; this is the documented guarantee).
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return InvalidArgumentError(std::string("jwk: public key check failed: ") + TakeOpensslError());
  }
  return pkey;
}

Result<PkeyPtr> RsaFromJwk(const boost::json::object& o) {
  ASSIGN_OR_RETURN(std::string n, RequiredBase64Url(o, "n"));
  ASSIGN_OR_RETURN(std::string e, RequiredBase64Url(o, "e"));
  BnPtr nb(BN_bin2bn(U8(n), static_cast<int>(n.size()), nullptr));
  BnPtr eb(BN_bin2bn(U8(e), static_cast<int>(e.size()), nullptr));
  if (!nb || !eb) return InternalError("jwk: out of memory");
  // Checked before import so a huge modulus costs nothing further.
  const int bits = BN_num_bits(nb.get());
  if (bits < kMinRsaBits) return InvalidArgumentError("jwk: RSA modulus under 2048 bits");
  if (bits > kMaxRsaBits) return InvalidArgumentError("jwk: RSA modulus over 16384 bits");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, nb.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, eb.get()) != 1) {
    return InternalError("jwk: " + TakeOpensslError());
  }
  return PublicKeyFromParams("RSA", bld.get());
}

Result<PkeyPtr> EcFromJwk(const boost::json::object& o) {
  ASSIGN_OR_RETURN(std::optional<std::string_view> crv, OptionalString(o, "crv"));
  if (!crv || *crv != "P-256") return InvalidArgumentError("jwk: EC curve must be P-256");
  ASSIGN_OR_RETURN(std::string x, RequiredBase64Url(o, "x"));
  ASSIGN_OR_RETURN(std::string y, RequiredBase64Url(o, "y"));
  if (x.size() != kP256CoordinateSize || y.size() != kP256CoordinateSize) {
    return InvalidArgumentError("jwk: EC x and y must be 32 bytes");
  }
  // SEC 1 uncompressed point: 0x04 || X || Y.
  std::array<unsigned char, 1 + 2 * kP256CoordinateSize> point;
  point[0] = 0x04;
  std::memcpy(point.data() + 1, x.data(), kP256CoordinateSize);
  std::memcpy(point.data() + 1 + kP256CoordinateSize, y.data(), kP256CoordinateSize);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return InternalError("jwk: " + TakeOpensslError());
  }
  return PublicKeyFromParams("EC", bld.get());
}

}  // namespace

std::string_view JwsAlgName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
      return "RS256";
    case JwsAlg::kES256:
      return "ES256";
  }
  return "";
}

std::optional<JwsAlg> ParseJwsAlg(std::string_view name) {
  if (name == "RS256") return JwsAlg::kRS256;
  if (name == "ES256") return JwsAlg::kES256;
  return std::nullopt;
}

// ---- VerificationKey ----

struct VerificationKey::Impl {
  Impl(JwsAlg a, PkeyPtr k, std::string id)
      : alg(a), pkey(std::move(k)), kid(std::move(id)), verifiers(alg, pkey.get(), KeyOp::kVerify) {}

  JwsAlg alg;
  PkeyPtr pkey;
  std::string kid;
  mutable ContextPool verifiers;  // uses pkey, so declared after it; thread-safe
};

VerificationKey::VerificationKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

JwsAlg VerificationKey::alg() const { return impl_->alg; }
const std::string& VerificationKey::kid() const { return impl_->kid; }

bool VerificationKey::Verify(std::string_view signing_input, std::string_view signature) const {
  return VerifyWith(impl_->alg, impl_->pkey.get(), impl_->verifiers, signing_input, signature);
}

Result<VerificationKey> VerificationKey::FromJwkJson(std::string_view jwk_json) {
  boost::json::value parsed;
  try {
    boost::system::error_code ec;
    parsed = boost::json::parse(jwk_json, ec);
    if (ec) return InvalidArgumentError("jwk: not JSON");
  } catch (const std::exception&) {  // allocation failure: parse(ec) reports the rest via ec
    return InvalidArgumentError("jwk: not JSON");
  }
  if (!parsed.is_object()) return InvalidArgumentError("jwk: not a JSON object");
  const boost::json::object& o = parsed.get_object();

  ASSIGN_OR_RETURN(std::optional<std::string_view> kty, OptionalString(o, "kty"));
  if (!kty) return InvalidArgumentError("jwk: missing \"kty\"");
  JwsAlg alg;
  if (*kty == "RSA") {
    alg = JwsAlg::kRS256;
  } else if (*kty == "EC") {
    alg = JwsAlg::kES256;
  } else {
    return InvalidArgumentError("jwk: unsupported kty");
  }

  ASSIGN_OR_RETURN(std::optional<std::string_view> use, OptionalString(o, "use"));
  if (use && *use != "sig") return InvalidArgumentError("jwk: \"use\" is not \"sig\"");
  ASSIGN_OR_RETURN(std::optional<std::string_view> alg_name, OptionalString(o, "alg"));
  if (alg_name) {
    std::optional<JwsAlg> named = ParseJwsAlg(*alg_name);
    if (!named) return InvalidArgumentError("jwk: unsupported alg");
    if (*named != alg) return InvalidArgumentError("jwk: alg does not match kty");
  }
  ASSIGN_OR_RETURN(std::optional<std::string_view> kid, OptionalString(o, "kid"));

  Result<PkeyPtr> pkey = alg == JwsAlg::kRS256 ? RsaFromJwk(o) : EcFromJwk(o);
  if (!pkey.ok()) return pkey.error();
  // Belt and braces: the same rules as for our own keys.
  RETURN_IF_ERROR(CheckKeyForAlg(alg, pkey->get()));
  return VerificationKey(
      std::make_shared<const Impl>(alg, std::move(*pkey), kid ? std::string(*kid) : std::string()));
}

// ---- SigningKey ----

struct SigningKey::Impl {
  Impl(JwsAlg a, PkeyPtr k, std::string id, std::string jwk, VerificationKey pub)
      : alg(a), pkey(std::move(k)), kid(std::move(id)), public_jwk_json(std::move(jwk)),
        public_key(std::move(pub)), signers(alg, pkey.get(), KeyOp::kSign) {}

  JwsAlg alg;
  PkeyPtr pkey;
  std::string kid;
  std::string public_jwk_json;  // built once: JWKS responses are served at high rates
  VerificationKey public_key;
  ContextPool signers;  // uses pkey, so declared after it
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

namespace {

// Builds what SigningKey keeps besides the key itself. The private EVP_PKEY also verifies, so
// the public half shares it (one extra reference) instead of holding a second copy.
struct Derived {
  std::string kid;
  std::string public_jwk_json;
};

Result<Derived> DeriveFromKey(JwsAlg alg, const EVP_PKEY* pkey) {
  ASSIGN_OR_RETURN(PublicMembers members, ExportPublic(alg, pkey));
  std::string kid = Thumbprint(alg, members);
  std::string jwk = PublicJwk(alg, kid, members);
  return Derived{std::move(kid), std::move(jwk)};
}

}  // namespace

Result<SigningKey> SigningKey::Generate(JwsAlg alg, int rsa_bits) {
  EVP_PKEY* raw = nullptr;
  if (alg == JwsAlg::kRS256) {
    if (rsa_bits < kMinRsaBits || rsa_bits > kMaxRsaBits) {
      return InvalidArgumentError("RSA key size must be 2048..16384 bits");
    }
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
  } else {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  }
  if (raw == nullptr) return InternalError("key generation failed: " + TakeOpensslError());
  PkeyPtr pkey(raw);
  RETURN_IF_ERROR(CheckKeyForAlg(alg, pkey.get()));
  ASSIGN_OR_RETURN(Derived d, DeriveFromKey(alg, pkey.get()));
  if (EVP_PKEY_up_ref(pkey.get()) != 1) return InternalError("EVP_PKEY_up_ref failed");
  VerificationKey pub(std::make_shared<const VerificationKey::Impl>(alg, PkeyPtr(pkey.get()), d.kid));
  return SigningKey(std::unique_ptr<Impl>(
      new Impl(alg, std::move(pkey), std::move(d.kid), std::move(d.public_jwk_json), std::move(pub))));
}

Result<SigningKey> SigningKey::FromPkcs8Der(JwsAlg alg, std::string_view der) {
  // Strictly PKCS#8 PrivateKeyInfo (what ToPkcs8Der writes), with no trailing bytes.
  const unsigned char* p = U8(der);
  P8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8 || p != U8(der) + der.size()) {
    ERR_clear_error();
    return InvalidArgumentError("not a PKCS#8 private key");
  }
  PkeyPtr pkey(EVP_PKCS82PKEY(p8.get()));
  if (!pkey) {
    ERR_clear_error();
    return InvalidArgumentError("PKCS#8 key does not decode");
  }
  RETURN_IF_ERROR(CheckKeyForAlg(alg, pkey.get()));
  ASSIGN_OR_RETURN(Derived d, DeriveFromKey(alg, pkey.get()));
  if (EVP_PKEY_up_ref(pkey.get()) != 1) return InternalError("EVP_PKEY_up_ref failed");
  VerificationKey pub(std::make_shared<const VerificationKey::Impl>(alg, PkeyPtr(pkey.get()), d.kid));
  return SigningKey(std::unique_ptr<Impl>(
      new Impl(alg, std::move(pkey), std::move(d.kid), std::move(d.public_jwk_json), std::move(pub))));
}

JwsAlg SigningKey::alg() const { return impl_->alg; }
const std::string& SigningKey::kid() const { return impl_->kid; }
const std::string& SigningKey::PublicJwkJson() const { return impl_->public_jwk_json; }
VerificationKey SigningKey::Public() const { return impl_->public_key; }

std::string SigningKey::ToPkcs8Der() const {
  P8Ptr p8(EVP_PKEY2PKCS8(impl_->pkey.get()));
  unsigned char* buf = nullptr;
  const int len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &buf) : -1;
  if (len <= 0) {
    ERR_clear_error();
    return std::string();  // only on allocation failure; FromPkcs8Der refuses the empty string
  }
  std::string out(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_clear_free(buf, static_cast<std::size_t>(len));  // private key material
  return out;
}

Result<std::string> SigningKey::Sign(std::string_view signing_input) const {
  return SignWith(impl_->alg, impl_->signers, signing_input);
}

}  // namespace gatehouse::crypto
