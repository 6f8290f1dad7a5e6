// PKCE and the one-time ID-token check of login_load (OpenSSL 3 and Boost.JSON): the key is built
// from the server's JWK (RSA n/e, or EC crv/x/y) and the signature checked as RS256 or ES256.
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "loadgen.h"

namespace loadgen {
namespace json = boost::json;
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PctxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

const unsigned char* Bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// A string member of a JSON object, or "" (also when it is not a string).
std::string_view Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return (v && v->is_string()) ? std::string_view(v->get_string()) : std::string_view();
}

json::object ParseObject(std::string_view text, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) throw std::runtime_error(std::string(what) + " is not a JSON object: " + std::string(text.substr(0, 200)));
  return std::move(v.get_object());
}

// The public key of a JWK (what `crypto.createPublicKey({ key: jwk, format: 'jwk' })` accepts
// for RSA and EC keys).
PkeyPtr KeyFromJwk(const json::object& jwk) {
  BldPtr bld(OSSL_PARAM_BLD_new());
  const char* type = nullptr;
  BnPtr n, e;
  std::string pub;
  if (Str(jwk, "kty") == "RSA") {
    type = "RSA";
    const std::string nb = Base64UrlDecode(Str(jwk, "n")), eb = Base64UrlDecode(Str(jwk, "e"));
    n.reset(BN_bin2bn(Bytes(nb), static_cast<int>(nb.size()), nullptr));
    e.reset(BN_bin2bn(Bytes(eb), static_cast<int>(eb.size()), nullptr));
    if (!n || !e || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
      throw std::runtime_error("bad RSA JWK");
    }
  } else if (Str(jwk, "kty") == "EC") {
    type = "EC";
    const std::string_view crv = Str(jwk, "crv");
    const char* group = crv == "P-256" ? "prime256v1" : crv == "P-384" ? "secp384r1" : crv == "P-521" ? "secp521r1" : nullptr;
    if (!group) throw std::runtime_error("unsupported EC curve " + std::string(crv));
    pub = "\x04" + Base64UrlDecode(Str(jwk, "x")) + Base64UrlDecode(Str(jwk, "y"));  // uncompressed point
    if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size())) {
      throw std::runtime_error("bad EC JWK");
    }
  } else {
    throw std::runtime_error("unsupported JWK kty " + std::string(Str(jwk, "kty")));
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PctxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw std::runtime_error("cannot build the public key of the JWK");
  }
  return PkeyPtr(key);
}

// JOSE's ECDSA signature (r || s, RFC 7518 §3.4) as the DER that OpenSSL verifies; "" when
// malformed.
std::string RawToDer(const std::string& raw) {
  if (raw.empty() || raw.size() % 2 != 0) return "";
  const int half = static_cast<int>(raw.size() / 2);
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), half, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + half, half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool VerifySha256(EVP_PKEY* key, std::string_view data, const std::string& sig) {
  MdCtxPtr md(EVP_MD_CTX_new());
  return md && !sig.empty() && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(md.get(), Bytes(sig), sig.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace

Pkce MakePkce() {
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("RAND_bytes failed");
  Pkce p;
  p.verifier = Base64Url(random, sizeof random);
  unsigned char digest[32];
  unsigned int len = 0;
  if (EVP_Digest(p.verifier.data(), p.verifier.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  p.challenge = Base64Url(digest, len);
  return p;
}

void CheckIdToken(Conn& conn, Response& res, const Origin& origin, std::string_view base,
                  std::string_view jwks_path, std::string_view issuer, std::string_view audience,
                  std::string_view jwt) {
  const std::size_t d1 = jwt.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string_view::npos) throw std::runtime_error("id_token is not a JWS: " + std::string(jwt.substr(0, 80)));
  const json::object header = ParseObject(Base64UrlDecode(jwt.substr(0, d1)), "id_token header");
  const json::object claims = ParseObject(Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1)), "id_token claims");
  const std::string sig = Base64UrlDecode(jwt.substr(d2 + 1).substr(0, jwt.substr(d2 + 1).find('.')));

  // The JWKS (no cookie, any status: a bad answer fails below), the key of the token's kid.
  conn.Send("GET", Resolve(origin, jwks_path).target, "", "", res);
  const json::object jwks = ParseObject(res.body, std::string(jwks_path).c_str());
  const json::value* keys = jwks.if_contains("keys");
  if (!keys || !keys->is_array()) throw std::runtime_error("no keys in " + std::string(jwks_path));
  const json::value* kid = header.if_contains("kid");
  const json::object* jwk = nullptr;
  for (const json::value& k : keys->get_array()) {
    if (!k.is_object()) continue;
    const json::value* kk = k.get_object().if_contains("kid");
    if ((kk == nullptr && kid == nullptr) || (kk && kid && *kk == *kid)) {
      jwk = &k.get_object();
      break;
    }
  }
  if (!jwk) throw std::runtime_error("id_token kid " + (kid ? json::serialize(*kid) : "undefined") + " not in " + std::string(jwks_path));
  const PkeyPtr key = KeyFromJwk(*jwk);

  const std::string_view alg = Str(header, "alg");
  const std::string_view signed_part = jwt.substr(0, d2);
  const bool ok = alg == "RS256"   ? VerifySha256(key.get(), signed_part, sig)
                  : alg == "ES256" ? VerifySha256(key.get(), signed_part, RawToDer(sig))
                                   : false;
  bool aud_ok = false;  // aud: a string or an array of strings
  if (const json::value* aud = claims.if_contains("aud")) {
    if (aud->is_string()) aud_ok = aud->get_string() == audience;
    if (aud->is_array()) {
      for (const json::value& a : aud->get_array()) aud_ok = aud_ok || (a.is_string() && a.get_string() == audience);
    }
  }
  const json::value* exp = claims.if_contains("exp");
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const bool exp_ok = exp && exp->is_number() && exp->to_number<double>() > now;
  const json::value* iss = claims.if_contains("iss");
  const bool iss_ok = iss && iss->is_string() && iss->get_string() == issuer;
  if (!ok || !iss_ok || !aud_ok || !exp_ok) {
    throw std::runtime_error("id_token does not verify: " + json::serialize(header) + " " + json::serialize(claims) +
                             " signature " + (ok ? "true" : "false"));
  }
  std::fprintf(stderr, "  %.*s: id_token verified %s %s\n", static_cast<int>(base.size()), base.data(),
               json::serialize(header).c_str(), json::serialize(claims).c_str());
}

}  // namespace loadgen
