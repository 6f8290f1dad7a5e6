#include "crypto/jwk.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace gatehouse::crypto {
namespace {

// Keys are slow to generate (RSA especially under sanitizers): one of each per process.
const SigningKey& RsaKey() {
  static const SigningKey* key = new SigningKey(std::move(SigningKey::Generate(JwsAlg::kRS256)).value());
  return *key;
}
const SigningKey& EcKey() {
  static const SigningKey* key = new SigningKey(std::move(SigningKey::Generate(JwsAlg::kES256)).value());
  return *key;
}

// PKCS#8 DER of a key made directly with OpenSSL, for keys Gatehouse itself refuses to make.
std::string Pkcs8Of(EVP_PKEY* pkey) {
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey);
  unsigned char* buf = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_free(buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  return out;
}

std::string BnB64(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return Base64UrlEncode(bytes);
}

std::vector<std::string> Keys(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

boost::json::object ParseObj(std::string_view s) { return boost::json::parse(s).as_object(); }

std::string Str(const boost::json::object& o, std::string_view key) {
  return std::string(o.at(key).as_string().c_str());
}

TEST(JwsAlgTest, NamesAndParsing) {
  EXPECT_EQ(JwsAlgName(JwsAlg::kRS256), "RS256");
  EXPECT_EQ(JwsAlgName(JwsAlg::kES256), "ES256");
  EXPECT_EQ(ParseJwsAlg("RS256"), JwsAlg::kRS256);
  EXPECT_EQ(ParseJwsAlg("ES256"), JwsAlg::kES256);
  EXPECT_FALSE(ParseJwsAlg("rs256").has_value());
  EXPECT_FALSE(ParseJwsAlg("HS256").has_value());
  EXPECT_FALSE(ParseJwsAlg("none").has_value());
  EXPECT_FALSE(ParseJwsAlg("").has_value());
}

TEST(SigningKeyTest, GenerateBoth) {
  EXPECT_EQ(RsaKey().alg(), JwsAlg::kRS256);
  EXPECT_EQ(EcKey().alg(), JwsAlg::kES256);
  EXPECT_EQ(RsaKey().kid().size(), 43u);  // base64url of 32 bytes
  EXPECT_EQ(EcKey().kid().size(), 43u);
  EXPECT_NE(RsaKey().kid(), EcKey().kid());
  EXPECT_EQ(RsaKey().Public().kid(), RsaKey().kid());
  EXPECT_EQ(EcKey().Public().alg(), JwsAlg::kES256);
}

TEST(SigningKeyTest, RefusesSmallRsa) {
  EXPECT_EQ(SigningKey::Generate(JwsAlg::kRS256, 1024).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::Generate(JwsAlg::kRS256, 2047).status().code(), StatusCode::kInvalidArgument);
}

TEST(SigningKeyTest, Pkcs8RoundTripKeepsKid) {
  for (const SigningKey* key : {&RsaKey(), &EcKey()}) {
    std::string der = key->ToPkcs8Der();
    ASSERT_FALSE(der.empty());
    auto loaded = SigningKey::FromPkcs8Der(key->alg(), der);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->kid(), key->kid());
    EXPECT_EQ(loaded->PublicJwkJson(), key->PublicJwkJson());
    // The reloaded private key signs what the original public key accepts.
    auto sig = loaded->Sign("a.b");
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(key->Public().Verify("a.b", *sig));
  }
}

TEST(SigningKeyTest, FromPkcs8DerRejects) {
  const std::string rsa_der = RsaKey().ToPkcs8Der();
  const std::string ec_der = EcKey().ToPkcs8Der();
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kES256, rsa_der).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kRS256, ec_der).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kRS256, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kRS256, "garbage").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kRS256, rsa_der + '\0').status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kRS256, rsa_der.substr(0, rsa_der.size() - 1)).status().code(),
            StatusCode::kInvalidArgument);

  EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(rsa1024, nullptr);
  auto small = SigningKey::FromPkcs8Der(JwsAlg::kRS256, Pkcs8Of(rsa1024));
  EXPECT_EQ(small.status().code(), StatusCode::kInvalidArgument);
  EVP_PKEY_free(rsa1024);

  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  EXPECT_EQ(SigningKey::FromPkcs8Der(JwsAlg::kES256, Pkcs8Of(p384)).status().code(), StatusCode::kInvalidArgument);
  EVP_PKEY_free(p384);
}

TEST(SigningKeyTest, PublicJwkShape) {
  boost::json::object rsa = ParseObj(RsaKey().PublicJwkJson());
  EXPECT_EQ(Keys(rsa), (std::vector<std::string>{"kty", "use", "alg", "kid", "n", "e"}));
  EXPECT_EQ(Str(rsa, "kty"), "RSA");
  EXPECT_EQ(Str(rsa, "use"), "sig");
  EXPECT_EQ(Str(rsa, "alg"), "RS256");
  EXPECT_EQ(Str(rsa, "kid"), RsaKey().kid());
  EXPECT_EQ(Str(rsa, "e"), "AQAB");
  EXPECT_EQ(Base64UrlDecode(Str(rsa, "n"))->size(), 256u);

  boost::json::object ec = ParseObj(EcKey().PublicJwkJson());
  EXPECT_EQ(Keys(ec), (std::vector<std::string>{"kty", "use", "alg", "kid", "crv", "x", "y"}));
  EXPECT_EQ(Str(ec, "kty"), "EC");
  EXPECT_EQ(Str(ec, "alg"), "ES256");
  EXPECT_EQ(Str(ec, "crv"), "P-256");
  EXPECT_EQ(Base64UrlDecode(Str(ec, "x"))->size(), 32u);
  EXPECT_EQ(Base64UrlDecode(Str(ec, "y"))->size(), 32u);

  for (const std::string& json : {RsaKey().PublicJwkJson(), EcKey().PublicJwkJson()}) {
    EXPECT_EQ(json.find(' '), std::string::npos);
    boost::json::object o = ParseObj(json);
    for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      EXPECT_FALSE(o.contains(priv)) << priv;
    }
  }
}

TEST(SigningKeyTest, EcKidIsRfc7638Thumbprint) {
  // The canonical form rebuilt from the published JWK: required members, sorted, no spaces.
  boost::json::object ec = ParseObj(EcKey().PublicJwkJson());
  std::string canonical =
      R"({"crv":"P-256","kty":"EC","x":")" + Str(ec, "x") + R"(","y":")" + Str(ec, "y") + R"("})";
  EXPECT_EQ(EcKey().kid(), Base64UrlEncode(Sha256(canonical)));
}

// RFC 7517 Appendix A.2's RSA key, whose public half is the RFC 7638 §3.1 example.
constexpr char kRfcN[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjh"
    "Mstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvR"
    "L5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
constexpr char kRfcD[] =
    "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfq"
    "ijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPL"
    "u4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q";
constexpr char kRfcP[] =
    "83i-7IvMGXoMXCskv73TKr8637FiO7Z27zv8oj6pbWUQyLPQBQxtPVnwD20R-60eTDmD2ujnMt5PoqMrm8RfmNhVWDtjjMmCMjOpSXicFHj7XOuVIY"
    "QyqVWlWEh6dN36GVZYk93N8Bc9vY41xy8B9RzzOGVQzXvNEvn7O0nVbfs";
constexpr char kRfcQ[] =
    "3dfOR9cuYq-0S-mkFLzgItgMEfFzB2q3hWehMuG0oCuqnb3vobLyumqjVZQO1dIrdwgTnCdpYzBcOfW5r370AFXjiWft_NGEiovonizhKpo9VVS78T"
    "zFgxkIdrecRezsZ-1kYd_s1qDbxtkDEgfAITAG9LUnADun4vIcb6yelxk";

BIGNUM* BnFromB64(const char* b64) {
  std::string bytes = Base64UrlDecode(b64).value();
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr);
}

// Builds the RFC key as PKCS#8 (the CRT values are derived here rather than copied).
std::string RfcRsaPkcs8() {
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* n = BnFromB64(kRfcN);
  BIGNUM* e = BnFromB64("AQAB");
  BIGNUM* d = BnFromB64(kRfcD);
  BIGNUM* p = BnFromB64(kRfcP);
  BIGNUM* q = BnFromB64(kRfcQ);
  BIGNUM* pq = BN_new();
  BN_mul(pq, p, q, ctx);
  EXPECT_EQ(BN_cmp(pq, n), 0) << "p*q != n: test vector mistyped";
  BIGNUM* p1 = BN_dup(p);
  BIGNUM* q1 = BN_dup(q);
  BN_sub_word(p1, 1);
  BN_sub_word(q1, 1);
  BIGNUM* dp = BN_new();
  BIGNUM* dq = BN_new();
  BN_mod(dp, d, p1, ctx);
  BN_mod(dq, d, q1, ctx);
  BIGNUM* qi = BN_mod_inverse(nullptr, q, p, ctx);

  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  EXPECT_EQ(EVP_PKEY_fromdata_init(pctx), 1);
  EXPECT_EQ(EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
  std::string der = pkey != nullptr ? Pkcs8Of(pkey) : std::string();

  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (BIGNUM* bn : {n, e, d, p, q, pq, p1, q1, dp, dq, qi}) BN_free(bn);
  BN_CTX_free(ctx);
  return der;
}

TEST(SigningKeyTest, Rfc7638ThumbprintVector) {
  auto key = SigningKey::FromPkcs8Der(JwsAlg::kRS256, RfcRsaPkcs8());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->kid(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(Str(ParseObj(key->PublicJwkJson()), "n"), kRfcN);

  // The RFC's public JWK (with its own kid) verifies what the key signs.
  auto pub = VerificationKey::FromJwkJson(std::string(R"({"kty":"RSA","n":")") + kRfcN +
                                          R"(","e":"AQAB","alg":"RS256","kid":"2011-04-29"})");
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->kid(), "2011-04-29");
  auto sig = key->Sign("header.payload");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(pub->Verify("header.payload", *sig));
}

TEST(SigningKeyTest, SignAndVerify) {
  for (const SigningKey* key : {&RsaKey(), &EcKey()}) {
    auto sig = key->Sign("header.payload");
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(sig->size(), key->alg() == JwsAlg::kRS256 ? 256u : 64u);
    VerificationKey pub = key->Public();
    EXPECT_TRUE(pub.Verify("header.payload", *sig));
    EXPECT_FALSE(pub.Verify("header.payloaD", *sig));
    std::string bad = *sig;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x20);
    EXPECT_FALSE(pub.Verify("header.payload", bad));
    EXPECT_FALSE(pub.Verify("header.payload", ""));
    EXPECT_FALSE(pub.Verify("header.payload", sig->substr(1)));
    EXPECT_FALSE(pub.Verify("header.payload", *sig + '\0'));
    // Verification contexts are reused: one that refused a signature still accepts a good one.
    EXPECT_TRUE(pub.Verify("header.payload", *sig));
  }
  // The other key does not verify it.
  auto sig = RsaKey().Sign("x");
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(EcKey().Public().Verify("x", *sig));
}

TEST(SigningKeyTest, Rs256IsPkcs1V15OverSha256) {
  // RSASSA-PKCS1-v1_5 is deterministic: the signature must be byte for byte what OpenSSL's
  // one-shot EVP_DigestSign with SHA-256 gives for the same key (RFC 7518 §3.3).
  const std::string der = RsaKey().ToPkcs8Der();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(p8, nullptr);
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  ASSERT_NE(pkey, nullptr);
  for (std::string_view input : {"header.payload", "", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"}) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    std::size_t len = 512;
    std::string expected(len, '\0');
    ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey), 1);
    ASSERT_EQ(EVP_DigestSign(md, reinterpret_cast<unsigned char*>(expected.data()), &len,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    EVP_MD_CTX_free(md);
    expected.resize(len);
    auto sig = RsaKey().Sign(input);
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(*sig, expected) << input;
  }
  EVP_PKEY_free(pkey);
}

TEST(SigningKeyTest, SignsFromManyThreadsAtOnce) {
  // Signing contexts are reused across calls; no two threads may ever share one.
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const SigningKey& key = (i % 8 == 0) ? RsaKey() : EcKey();
        const std::string input = "h." + std::to_string(t) + "." + std::to_string(i);
        auto sig = key.Sign(input);
        if (sig.ok() && key.Public().Verify(input, *sig) && !key.Public().Verify(input + "x", *sig)) {
          good.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * 40);
}

TEST(SigningKeyTest, Es256RejectsDerSignatures) {
  auto sig = EcKey().Sign("x");
  ASSERT_TRUE(sig.ok());
  ASSERT_EQ(sig->size(), 64u);
  // The same (r, s) as DER, as OpenSSL would produce it: not the JWS form, so refused.
  ECDSA_SIG* ecdsa = ECDSA_SIG_new();
  ECDSA_SIG_set0(ecdsa, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(ecdsa, &der);
  std::string der_sig(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(ecdsa);
  EXPECT_FALSE(EcKey().Public().Verify("x", der_sig));
  EXPECT_FALSE(EcKey().Public().Verify("x", std::string(64, '\0')));
}

TEST(VerificationKeyTest, FromOwnJwkRoundTrip) {
  for (const SigningKey* key : {&RsaKey(), &EcKey()}) {
    auto pub = VerificationKey::FromJwkJson(key->PublicJwkJson());
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_EQ(pub->alg(), key->alg());
    EXPECT_EQ(pub->kid(), key->kid());
    auto sig = key->Sign("in.put");
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(pub->Verify("in.put", *sig));
  }
}

TEST(VerificationKeyTest, OptionalMembers) {
  boost::json::object ec = ParseObj(EcKey().PublicJwkJson());
  std::string minimal = R"({"kty":"EC","crv":"P-256","x":")" + Str(ec, "x") + R"(","y":")" + Str(ec, "y") + R"("})";
  auto pub = VerificationKey::FromJwkJson(minimal);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->alg(), JwsAlg::kES256);
  EXPECT_EQ(pub->kid(), "");
  // Private members are ignored, unknown members too.
  ec["d"] = "AAAA";
  ec["key_ops"] = boost::json::array{"verify"};
  EXPECT_TRUE(VerificationKey::FromJwkJson(boost::json::serialize(ec)).ok());
}

// Mutates our own public JWK and expects FromJwkJson to refuse the result for `reason` (a
// message fragment), so that no case passes because an earlier check happened to fail.
void ExpectRejected(const SigningKey& key, const std::function<void(boost::json::object&)>& mutate,
                    const char* reason) {
  boost::json::object o = ParseObj(key.PublicJwkJson());
  mutate(o);
  auto r = VerificationKey::FromJwkJson(boost::json::serialize(o));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << reason;
  EXPECT_NE(r.status().message().find(reason), std::string::npos) << r.status().message() << "; expected: " << reason;
}

TEST(VerificationKeyTest, RejectsBadJwks) {
  const SigningKey& rsa = RsaKey();
  const SigningKey& ec = EcKey();
  ExpectRejected(ec, [](auto& o) { o["use"] = "enc"; }, R"("use" is not "sig")");
  ExpectRejected(ec, [](auto& o) { o["use"] = 1; }, R"("use" is not a string)");
  ExpectRejected(ec, [](auto& o) { o["alg"] = "RS256"; }, "alg does not match kty");
  ExpectRejected(rsa, [](auto& o) { o["alg"] = "ES256"; }, "alg does not match kty");
  ExpectRejected(rsa, [](auto& o) { o["alg"] = "HS256"; }, "unsupported alg");
  ExpectRejected(rsa, [](auto& o) { o["alg"] = "PS256"; }, "unsupported alg");
  ExpectRejected(rsa, [](auto& o) { o["alg"] = "none"; }, "unsupported alg");
  ExpectRejected(rsa, [](auto& o) { o["kty"] = "oct"; }, "unsupported kty");
  ExpectRejected(rsa, [](auto& o) { o.erase("kty"); }, R"(missing "kty")");
  ExpectRejected(rsa, [](auto& o) { o.erase("n"); }, R"(missing "n")");
  ExpectRejected(rsa, [](auto& o) { o["n"] = "AQAB="; }, R"("n" is not base64url)");
  ExpectRejected(rsa, [](auto& o) { o["kid"] = 7; }, R"("kid" is not a string)");
  ExpectRejected(ec, [](auto& o) { o["crv"] = "P-384"; }, "curve must be P-256");
  ExpectRejected(ec, [](auto& o) { o.erase("y"); }, R"(missing "y")");
  ExpectRejected(ec, [](auto& o) {
    std::string x = Base64UrlDecode(o.at("x").as_string().c_str()).value();
    o["x"] = Base64UrlEncode(x.substr(1));
  }, "must be 32 bytes");
  ExpectRejected(ec, [](auto& o) {
    std::string y = Base64UrlDecode(o.at("y").as_string().c_str()).value();
    o["y"] = Base64UrlEncode(std::string(1, '\0') + y);
  }, "must be 32 bytes");
  ExpectRejected(ec, [](auto& o) {
    std::string y = Base64UrlDecode(o.at("y").as_string().c_str()).value();
    y.back() = static_cast<char>(y.back() ^ 1);
    o["y"] = Base64UrlEncode(y);
  }, "not a valid public key");

  for (const char* text : {"", "not json", "[]", "\"RSA\"", "{\"kty\":\"RSA\"", "null"}) {
    EXPECT_EQ(VerificationKey::FromJwkJson(text).status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(VerificationKeyTest, RejectsSmallRsa) {
  EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(rsa1024, nullptr);
  std::string jwk = R"({"kty":"RSA","n":")" + BnB64(rsa1024, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
                    BnB64(rsa1024, OSSL_PKEY_PARAM_RSA_E) + R"("})";
  EVP_PKEY_free(rsa1024);
  auto r = VerificationKey::FromJwkJson(jwk);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("under 2048 bits"), std::string::npos) << r.status().message();
}

TEST(VerificationKeyTest, IsCopyableAndShared) {
  VerificationKey a = RsaKey().Public();
  VerificationKey b = a;
  EXPECT_EQ(a.kid(), b.kid());
  auto sig = RsaKey().Sign("m");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(b.Verify("m", *sig));
}

}  // namespace
}  // namespace gatehouse::crypto
