#include "crypto/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace gatehouse::crypto {
namespace {

constexpr JwsAlg kBoth[] = {JwsAlg::kRS256, JwsAlg::kES256};
constexpr JwsAlg kRsOnly[] = {JwsAlg::kRS256};
constexpr char kClaims[] = R"({"iss":"https://gh.example","sub":"usr_1","exp":1800000600})";

const SigningKey& RsaKey() {
  static const SigningKey* key = new SigningKey(std::move(SigningKey::Generate(JwsAlg::kRS256)).value());
  return *key;
}
const SigningKey& EcKey() {
  static const SigningKey* key = new SigningKey(std::move(SigningKey::Generate(JwsAlg::kES256)).value());
  return *key;
}
std::vector<VerificationKey> BothPublic() { return {RsaKey().Public(), EcKey().Public()}; }

// A token with an arbitrary header, correctly signed by `key`: isolates the header checks.
std::string BuildToken(const SigningKey& key, std::string_view header_json, std::string_view claims_json) {
  std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(claims_json);
  return input + "." + Base64UrlEncode(key.Sign(input).value());
}

std::string HeaderFor(const SigningKey& key, std::string_view extra = "") {
  return std::string(R"({"alg":")") + std::string(JwsAlgName(key.alg())) + R"(","kid":")" + key.kid() + '"' +
         std::string(extra) + "}";
}

std::vector<std::string> Split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// Expects rejection as kUnauthenticated, for the reason named by `reason` (a message fragment),
// so that a test cannot pass because some other check happened to fail first.
void ExpectRejected(std::string_view token, std::span<const VerificationKey> keys, std::span<const JwsAlg> algs,
                    std::string_view reason) {
  auto r = VerifyJwt(token, keys, algs);
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << reason;
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find(reason), std::string::npos)
      << "message: " << r.status().message() << "; expected: " << reason;
}

TEST(SignJwtTest, SignsAndVerifiesBothAlgs) {
  const std::vector<VerificationKey> keys = BothPublic();
  for (const SigningKey* key : {&RsaKey(), &EcKey()}) {
    auto token = SignJwt(*key, kClaims);
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    std::vector<std::string> parts = Split(*token);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(*Base64UrlDecode(parts[0]), std::string(R"({"alg":")") + std::string(JwsAlgName(key->alg())) +
                                              R"(","kid":")" + key->kid() + R"(","typ":"JWT"})");
    EXPECT_EQ(*Base64UrlDecode(parts[1]), kClaims);  // claims are carried byte for byte
    EXPECT_EQ(Base64UrlDecode(parts[2])->size(), key->alg() == JwsAlg::kRS256 ? 256u : 64u);

    auto verified = VerifyJwt(*token, keys, kBoth);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_EQ(verified->claims.at("sub").as_string(), "usr_1");
    EXPECT_EQ(verified->header.at("kid").as_string(), key->kid());
  }
}

TEST(SignJwtTest, FromAnObjectCarriesItsSerialization) {
  boost::json::object claims = boost::json::parse(kClaims).as_object();
  claims["note"] = "quote \" and \\ and \u00e9";
  for (const SigningKey* key : {&RsaKey(), &EcKey()}) {
    auto token = SignJwt(*key, claims, "at+jwt");
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    EXPECT_EQ(*Base64UrlDecode(Split(*token)[1]), boost::json::serialize(claims));
    auto verified = VerifyJwt(*token, BothPublic(), kBoth);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_EQ(verified->claims, claims);
    EXPECT_EQ(verified->header.at("typ").as_string(), "at+jwt");
  }
}

TEST(SignJwtTest, TypIsEscaped) {
  auto token = SignJwt(EcKey(), kClaims, "at+jwt");
  ASSERT_TRUE(token.ok());
  auto verified = VerifyJwt(*token, BothPublic(), kBoth);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->header.at("typ").as_string(), "at+jwt");

  token = SignJwt(EcKey(), kClaims, "a\"b\\c");
  ASSERT_TRUE(token.ok());
  verified = VerifyJwt(*token, BothPublic(), kBoth);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->header.at("typ").as_string(), "a\"b\\c");
}

TEST(SignJwtTest, ClaimsMustBeAnObject) {
  for (const char* claims : {"", "[]", "1", "{", "{\"a\":1} x"}) {
    EXPECT_EQ(SignJwt(EcKey(), claims).status().code(), StatusCode::kInvalidArgument) << claims;
  }
}

// RFC 7515 Appendix A.2 (RS256) and A.3 (ES256): independently produced signatures.
TEST(VerifyJwtTest, Rfc7515Examples) {
  constexpr char kPayload[] =
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  auto rsa = VerificationKey::FromJwkJson(
      R"({"kty":"RSA","e":"AQAB","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"})");
  ASSERT_TRUE(rsa.ok()) << rsa.status().ToString();
  auto ec = VerificationKey::FromJwkJson(
      R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  ASSERT_TRUE(ec.ok()) << ec.status().ToString();
  const std::vector<VerificationKey> keys = {*rsa, *ec};

  const std::string rs256 =
      std::string("eyJhbGciOiJSUzI1NiJ9.") + kPayload +
      ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUA"
      "r7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--x"
      "i12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_Ioyp"
      "GlUPQGe77Rw";
  const std::string es256 = std::string("eyJhbGciOiJFUzI1NiJ9.") + kPayload +
                            ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  for (const std::string& token : {rs256, es256}) {
    auto verified = VerifyJwt(token, keys, kBoth);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_EQ(verified->claims.at("iss").as_string(), "joe");
    EXPECT_EQ(verified->claims.at("exp").as_int64(), 1300819380);
  }
}

TEST(VerifyJwtTest, NoKidNeedsExactlyOneKeyOfTheAlg) {
  std::string token = BuildToken(EcKey(), R"({"alg":"ES256"})", kClaims);
  EXPECT_TRUE(VerifyJwt(token, BothPublic(), kBoth).ok());
  auto other_ec = SigningKey::Generate(JwsAlg::kES256);
  ASSERT_TRUE(other_ec.ok());
  const std::vector<VerificationKey> two_ec = {EcKey().Public(), other_ec->Public()};
  ExpectRejected(token, two_ec, kBoth, "not exactly one key");
  const std::vector<VerificationKey> none;
  ExpectRejected(token, none, kBoth, "not exactly one key");
}

TEST(VerifyJwtTest, RejectsAlgNone) {
  const std::string payload = Base64UrlEncode(kClaims);
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"none","kid":"x"})"}) {
    std::string h = Base64UrlEncode(header);
    ExpectRejected(h + "." + payload + ".", BothPublic(), kBoth, "");
    ExpectRejected(h + "." + payload + ".AAAA", BothPublic(), kBoth, "alg none");
  }
  ExpectRejected(Base64UrlEncode(R"({"alg":"None"})") + "." + payload + ".AAAA", BothPublic(), kBoth,
                 "unsupported alg");
}

TEST(VerifyJwtTest, RejectsHmacKeyConfusion) {
  // The classic attack: an HS256 token whose HMAC key is the server's public key, in the hope
  // that a verifier feeds "the key" to HMAC because the header says so.
  const SigningKey& key = RsaKey();
  std::string input = Base64UrlEncode(R"({"alg":"HS256","kid":")" + key.kid() + R"(","typ":"JWT"})") + "." +
                      Base64UrlEncode(kClaims);
  ExpectRejected(input + "." + Base64UrlEncode(HmacSha256(key.PublicJwkJson(), input)), BothPublic(), kBoth,
                 "symmetric alg");

  // Same with the PEM (SubjectPublicKeyInfo) of the public key.
  std::string der = key.ToPkcs8Der();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(p8, nullptr);
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  ASSERT_NE(pkey, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio, pkey), 1);
  char* pem_data = nullptr;
  long pem_len = BIO_get_mem_data(bio, &pem_data);
  std::string pem(pem_data, static_cast<std::size_t>(pem_len));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  ASSERT_NE(pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  ExpectRejected(input + "." + Base64UrlEncode(HmacSha256(pem, input)), BothPublic(), kBoth, "symmetric alg");

  for (const char* alg : {"HS384", "HS512"}) {
    std::string in = Base64UrlEncode(std::string(R"({"alg":")") + alg + R"("})") + "." + Base64UrlEncode(kClaims);
    ExpectRejected(in + "." + Base64UrlEncode(HmacSha256(pem, in)), BothPublic(), kBoth, "symmetric alg");
  }
}

TEST(VerifyJwtTest, RejectsUnknownKidAndKidOfOtherAlg) {
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"RS256","kid":"nope"})", kClaims), BothPublic(), kBoth,
                 "unknown kid");
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"RS256","kid":""})", kClaims), BothPublic(), kBoth,
                 "unknown kid");
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"RS256","kid":7})", kClaims), BothPublic(), kBoth,
                 "kid is not a string");
  // kid names the EC key but the header says RS256 (and RSA signed it): the key decides.
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"RS256","kid":")" + EcKey().kid() + R"("})", kClaims),
                 BothPublic(), kBoth, "another alg");
  // A kid match is exact: no prefix or case folding.
  std::string kid = RsaKey().kid();
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"RS256","kid":")" + kid.substr(1) + R"("})", kClaims),
                 BothPublic(), kBoth, "unknown kid");
}

TEST(VerifyJwtTest, RejectsTampering) {
  auto token = SignJwt(RsaKey(), kClaims);
  ASSERT_TRUE(token.ok());
  std::vector<std::string> parts = Split(*token);

  std::string other_claims = Base64UrlEncode(R"({"iss":"https://gh.example","sub":"usr_admin","exp":1800000600})");
  ExpectRejected(parts[0] + "." + other_claims + "." + parts[2], BothPublic(), kBoth, "bad signature");

  std::string sig = *Base64UrlDecode(parts[2]);
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  ExpectRejected(parts[0] + "." + parts[1] + "." + Base64UrlEncode(sig), BothPublic(), kBoth, "bad signature");
  ExpectRejected(parts[0] + "." + parts[1] + "." + parts[2].substr(4), BothPublic(), kBoth, "bad signature");

  // A header re-encoded with a different (equivalent) JSON form breaks the signing input too.
  std::string header = *Base64UrlDecode(parts[0]);
  ExpectRejected(Base64UrlEncode(header + " ") + "." + parts[1] + "." + parts[2], BothPublic(), kBoth,
                 "bad signature");

  auto es = SignJwt(EcKey(), kClaims);
  ASSERT_TRUE(es.ok());
  std::vector<std::string> es_parts = Split(*es);
  std::string es_sig = *Base64UrlDecode(es_parts[2]);
  ExpectRejected(es_parts[0] + "." + es_parts[1] + "." + Base64UrlEncode(es_sig + '\0'), BothPublic(), kBoth,
                 "bad signature");
  es_sig[40] = static_cast<char>(es_sig[40] ^ 0x80);
  ExpectRejected(es_parts[0] + "." + es_parts[1] + "." + Base64UrlEncode(es_sig), BothPublic(), kBoth,
                 "bad signature");
}

TEST(VerifyJwtTest, RejectsWrongPartCount) {
  auto token = SignJwt(RsaKey(), kClaims);
  ASSERT_TRUE(token.ok());
  std::vector<std::string> parts = Split(*token);
  ExpectRejected(parts[0] + "." + parts[1], BothPublic(), kBoth, "three");
  ExpectRejected(*token + "." + parts[2], BothPublic(), kBoth, "three");
  ExpectRejected(*token + ".", BothPublic(), kBoth, "three");
  ExpectRejected("", BothPublic(), kBoth, "three");
  ExpectRejected("..", BothPublic(), kBoth, "empty part");
  ExpectRejected(parts[0] + ".." + parts[2], BothPublic(), kBoth, "empty part");
}

TEST(VerifyJwtTest, RejectsMalformedParts) {
  const std::string payload = Base64UrlEncode(kClaims);
  ExpectRejected("eyJ=." + payload + ".AAAA", BothPublic(), kBoth, "header is not base64url");
  ExpectRejected(Base64UrlEncode("not json") + "." + payload + ".AAAA", BothPublic(), kBoth,
                 "header is not a JSON object");
  ExpectRejected(Base64UrlEncode(R"(["RS256"])") + "." + payload + ".AAAA", BothPublic(), kBoth,
                 "header is not a JSON object");
  ExpectRejected(Base64UrlEncode(R"({"kid":"x"})") + "." + payload + ".AAAA", BothPublic(), kBoth,
                 "alg missing");
  ExpectRejected(Base64UrlEncode(R"({"alg":["RS256"]})") + "." + payload + ".AAAA", BothPublic(), kBoth,
                 "alg missing or not a string");
  ExpectRejected(BuildToken(RsaKey(), HeaderFor(RsaKey()), kClaims) + "+", BothPublic(), kBoth,
                 "signature is not base64url");
  // Payloads that are not JSON objects, correctly signed: refused after the signature check.
  for (const char* claims : {"[1,2]", "\"s\"", "not json", "{\"a\":1"}) {
    ExpectRejected(BuildToken(RsaKey(), HeaderFor(RsaKey()), claims), BothPublic(), kBoth,
                   "payload is not a JSON object");
  }
  // Invalid UTF-8 inside a JSON string.
  ExpectRejected(BuildToken(RsaKey(), HeaderFor(RsaKey()), "{\"sub\":\"\xff\"}"), BothPublic(), kBoth,
                 "payload is not a JSON object");
}

TEST(VerifyJwtTest, RejectsKeySelectingHeaders) {
  for (const char* extra : {R"(,"jku":"https://evil.example/jwks.json")", R"(,"jwk":{"kty":"EC"})",
                            R"(,"x5u":"https://evil.example/cert.pem")", R"(,"x5c":["MIIB"])",
                            R"(,"crit":["exp"])"}) {
    std::string token = BuildToken(RsaKey(), HeaderFor(RsaKey(), extra), kClaims);
    ExpectRejected(token, BothPublic(), kBoth, "refused");
  }
  // Other header members are fine.
  EXPECT_TRUE(VerifyJwt(BuildToken(RsaKey(), HeaderFor(RsaKey(), R"(,"cty":"x","x5t":"y")"), kClaims),
                        BothPublic(), kBoth)
                  .ok());
}

TEST(VerifyJwtTest, SizeLimit) {
  // Just under 16 KiB verifies; just over is refused before anything is decoded.
  auto MakeToken = [](std::size_t pad) {
    std::string claims = R"({"exp":1800000600,"pad":")" + std::string(pad, 'x') + "\"}";
    return SignJwt(RsaKey(), claims).value();
  };
  std::string small = MakeToken(11'000);
  ASSERT_LT(small.size(), 16u * 1024);
  EXPECT_TRUE(VerifyJwt(small, BothPublic(), kBoth).ok());
  std::string big = MakeToken(12'500);
  ASSERT_GT(big.size(), 16u * 1024);
  ExpectRejected(big, BothPublic(), kBoth, "16 KiB");
  ExpectRejected(std::string(16 * 1024 + 1, 'a'), BothPublic(), kBoth, "16 KiB");
}

TEST(VerifyJwtTest, AlgMustBeAllowed) {
  auto token = SignJwt(EcKey(), kClaims);
  ASSERT_TRUE(token.ok());
  ExpectRejected(*token, BothPublic(), kRsOnly, "not allowed");
  ExpectRejected(*token, BothPublic(), std::span<const JwsAlg>(), "not allowed");
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"PS256"})", kClaims), BothPublic(), kBoth, "unsupported alg");
  ExpectRejected(BuildToken(RsaKey(), R"({"alg":"rs256"})", kClaims), BothPublic(), kBoth, "unsupported alg");
}

TEST(VerifyJwtTest, DuplicateHeaderMembersCannotSmuggleAnAlg) {
  // Boost.JSON keeps the last duplicate (RFC 7515 §4 allows that); either way the key decides.
  std::string token = BuildToken(RsaKey(), R"({"alg":"none","alg":"RS256","kid":")" + RsaKey().kid() + R"("})",
                                 kClaims);
  auto r = VerifyJwt(token, BothPublic(), kBoth);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->header.at("alg").as_string(), "RS256");
  token = BuildToken(RsaKey(), R"({"alg":"RS256","alg":"none","kid":")" + RsaKey().kid() + R"("})", kClaims);
  ExpectRejected(token, BothPublic(), kBoth, "alg none");
}

// ---- CheckTimeClaims ----

constexpr UnixSeconds kNow = 1'800'000'000;

Status Check(std::string_view claims_json, UnixSeconds now = kNow, UnixSeconds leeway = 60) {
  return CheckTimeClaims(boost::json::parse(claims_json).as_object(), now, leeway);
}

TEST(CheckTimeClaimsTest, Valid) {
  EXPECT_TRUE(Check(R"({"exp":1800000600})").ok());
  EXPECT_TRUE(Check(R"({"exp":1800000600,"iat":1800000000,"nbf":1800000000})").ok());
  EXPECT_TRUE(Check(R"({"exp":18446744073709551615})").ok());  // uint64: far future
}

TEST(CheckTimeClaimsTest, ExpRequiredAndInteger) {
  EXPECT_EQ(Check(R"({})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"iat":1800000000})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":"1800000600"})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1800000600.0})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1.8000006e9})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":null})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":true})").code(), StatusCode::kUnauthenticated);
}

TEST(CheckTimeClaimsTest, ExpiryWithLeeway) {
  const char* claims = R"({"exp":1800000000})";
  EXPECT_TRUE(Check(claims, kNow - 1, 0).ok());
  EXPECT_EQ(Check(claims, kNow, 0).code(), StatusCode::kUnauthenticated);  // now == exp: expired
  EXPECT_TRUE(Check(claims, kNow + 59, 60).ok());                           // within leeway
  EXPECT_EQ(Check(claims, kNow + 60, 60).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(claims, kNow + 3600, 60).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":-5})", kNow, 60).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(claims, kNow, -100).code(), StatusCode::kUnauthenticated);  // negative leeway is 0
  EXPECT_EQ(Check(R"({"exp":9223372036854775807})", kNow, 9'223'372'036'854'775'807).code(), StatusCode::kOk);
}

TEST(CheckTimeClaimsTest, NotBefore) {
  EXPECT_TRUE(Check(R"({"exp":1800000600,"nbf":1800000060})", kNow, 60).ok());  // at the leeway edge
  EXPECT_EQ(Check(R"({"exp":1800000600,"nbf":1800000061})", kNow, 60).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1800000600,"nbf":1800000001})", kNow, 0).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1800000600,"nbf":"1"})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1800000600,"nbf":1.5})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1800000600,"nbf":18446744073709551615})").code(), StatusCode::kUnauthenticated);
}

TEST(CheckTimeClaimsTest, IatMustBeInteger) {
  EXPECT_EQ(Check(R"({"exp":1800000600,"iat":"now"})").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Check(R"({"exp":1800000600,"iat":1800000000.5})").code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(Check(R"({"exp":1800000600,"iat":0})").ok());
}

}  // namespace
}  // namespace gatehouse::crypto
