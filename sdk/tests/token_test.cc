// Client::validate_token / validate_access_token / get_idp_initiated_login_claims against keys
// the test generates, tokens it signs by hand (support/signer.h) and a JWKS it serves itself
// (support/jwks_server.py). The clock is fixed through ClientOptions::now.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "gatehouse/client.h"
#include "support/jwks_fixture.h"
#include "support/signer.h"

namespace gatehouse::sdk {
namespace {

using test::JwksServer;
using test::TestKey;
namespace json = boost::json;

constexpr std::int64_t kNow = 2'000'000'000;
constexpr const char* kClientId = "skc_test";

struct Keys {
  TestKey rsa = TestKey::generate(TestKey::Type::kRsa);
  TestKey rsa2 = TestKey::generate(TestKey::Type::kRsa);
  TestKey ec = TestKey::generate(TestKey::Type::kP256);
  TestKey rsa1024 = TestKey::generate(TestKey::Type::kRsa, 1024);
};
const Keys& keys() {
  static const Keys k;
  return k;
}

std::string jwks(std::initializer_list<std::string> jwk) {
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const std::string& k : jwk) {
    out += (first ? "" : ",") + k;
    first = false;
  }
  return out + "]}";
}

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = JwksServer::get().scenario();
    ASSERT_NE(JwksServer::get().port(), 0) << "jwks_server.py did not start";
    JwksServer::get().write(env_, "keys.json", jwks({keys().rsa.jwk("rsa1"), keys().ec.jwk("ec1")}));
  }

  static ClientOptions options() {
    ClientOptions o;
    o.now = [] { return kNow; };
    o.timeout = std::chrono::milliseconds(5000);
    return o;
  }
  Client client(ClientOptions o = options()) const { return Client(env_, kClientId, "secret", std::move(o)); }

  json::object claims() const {
    return json::object{{"iss", env_}, {"aud", json::array{kClientId}}, {"sub", "usr_1"},
                        {"exp", kNow + 300},  {"iat", kNow},                {"nbf", kNow}};
  }

  static std::string header(const std::string& alg, const std::string& kid, const std::string& typ = "") {
    json::object h{{"alg", alg}, {"kid", kid}};
    if (!typ.empty()) h["typ"] = typ;
    return json::serialize(h);
  }
  static std::string sign(const TestKey& key, const std::string& kid, const json::object& payload,
                          const std::string& typ = "") {
    return test::make_token(header(key.type() == TestKey::Type::kRsa ? "RS256" : "ES256", kid, typ),
                            json::serialize(payload), key);
  }
  std::string rs256(const json::object& payload) const { return sign(keys().rsa, "rsa1", payload); }
  int fetches() const { return JwksServer::get().count(env_); }

  std::string env_;
};

void expect_error(const Result<Claims>& r, ErrorCode code, const std::string& fragment = "") {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  if (!fragment.empty()) {
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  }
}

TEST_F(TokenTest, ValidRs256) {
  json::object c = claims();
  c["email"] = "a@example.com";
  c["scopes"] = json::array{"read", "write"};
  Result<Claims> r = client().validate_token(rs256(c));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->string("sub"), "usr_1");
  EXPECT_EQ(r->string("email"), "a@example.com");
  EXPECT_EQ(r->integer("exp"), kNow + 300);
  EXPECT_EQ(r->strings("aud"), std::vector<std::string>{kClientId});
  EXPECT_EQ(r->scopes(), (std::vector<std::string>{"read", "write"}));
  EXPECT_FALSE(r->contains("nonce"));
  EXPECT_EQ(json::parse(r->json()), json::value(c));
  EXPECT_EQ(fetches(), 1);
}

TEST_F(TokenTest, ValidEs256) {
  Result<Claims> r = client().validate_token(sign(keys().ec, "ec1", claims()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->string("iss"), env_);
}

TEST_F(TokenTest, JwksIsFetchedOnceAndCached) {
  Client c = client();
  Client copy = c;  // copies share the cache
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.validate_token(rs256(claims())).ok());
    ASSERT_TRUE(copy.validate_token(sign(keys().ec, "ec1", claims())).ok());
  }
  EXPECT_EQ(fetches(), 1);
}

TEST_F(TokenTest, UnknownKidDoesNotRefetchWithinTheInterval) {
  Client c = client();
  // The first need fetches; the kid is still unknown afterwards.
  expect_error(c.validate_token(sign(keys().rsa, "nope", claims())), ErrorCode::kInvalidToken, "unknown key id");
  EXPECT_EQ(fetches(), 1);
  expect_error(c.validate_token(sign(keys().rsa, "nope2", claims())), ErrorCode::kInvalidToken, "unknown key id");
  EXPECT_EQ(fetches(), 1);
  ASSERT_TRUE(c.validate_token(rs256(claims())).ok());
  EXPECT_EQ(fetches(), 1);
}

TEST_F(TokenTest, UnknownKidRefetchesOncePerInterval) {
  ClientOptions o = options();
  o.jwks_refresh_interval = std::chrono::seconds(0);
  Client c = client(o);
  ASSERT_TRUE(c.validate_token(rs256(claims())).ok());
  EXPECT_EQ(fetches(), 1);
  expect_error(c.validate_token(sign(keys().rsa, "nope", claims())), ErrorCode::kInvalidToken, "unknown key id");
  EXPECT_EQ(fetches(), 2);  // one refetch, then the answer
}

TEST_F(TokenTest, RotatedKeyIsFoundByARefetch) {
  ClientOptions o = options();
  o.jwks_refresh_interval = std::chrono::seconds(0);
  Client c = client(o);
  ASSERT_TRUE(c.validate_token(rs256(claims())).ok());
  JwksServer::get().write(env_, "keys.json", jwks({keys().rsa.jwk("rsa1"), keys().rsa2.jwk("rsa2")}));
  Result<Claims> r = c.validate_token(sign(keys().rsa2, "rsa2", claims()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(fetches(), 2);
  ASSERT_TRUE(c.validate_token(rs256(claims())).ok());  // still known, no fetch
  EXPECT_EQ(fetches(), 2);
}

TEST_F(TokenTest, FailedRefetchKeepsTheOldKeys) {
  ClientOptions o = options();
  o.jwks_refresh_interval = std::chrono::seconds(0);
  Client c = client(o);
  ASSERT_TRUE(c.validate_token(rs256(claims())).ok());
  JwksServer::get().write(env_, "keys.mode", "500");
  expect_error(c.validate_token(sign(keys().rsa2, "rsa2", claims())), ErrorCode::kInvalidToken, "unknown key id");
  EXPECT_EQ(fetches(), 2);
  EXPECT_TRUE(c.validate_token(rs256(claims())).ok());
}

TEST_F(TokenTest, JwksErrorsWithNothingCached) {
  JwksServer::get().write(env_, "keys.mode", "500");
  Result<Claims> r = client().validate_token(rs256(claims()));
  expect_error(r, ErrorCode::kServerError);
  EXPECT_EQ(r.error().http_status, 500);
  JwksServer::get().write(env_, "keys.mode", "garbage");
  expect_error(client().validate_token(rs256(claims())), ErrorCode::kInvalidResponse);
  JwksServer::get().write(env_, "keys.mode", "hang");
  ClientOptions o = options();
  o.timeout = std::chrono::milliseconds(300);
  expect_error(client(o).validate_token(rs256(claims())), ErrorCode::kTimeout);
}

TEST_F(TokenTest, ConcurrentFirstValidationsFetchOnce) {
  Client c = client();
  const std::string token = rs256(claims());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) ok += c.validate_token(token).ok() ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
  EXPECT_EQ(fetches(), 1);
}

TEST_F(TokenTest, UnusableJwksKeysAreSkipped) {
  JwksServer::get().write(
      env_, "keys.json",
      jwks({keys().rsa.jwk("enc", R"(,"use":"enc")"), keys().rsa.jwk("ops", R"(,"key_ops":["encrypt"])"),
            keys().rsa.jwk("priv", R"(,"d":"AAAA")"), keys().rsa.jwk("es", R"(,"alg":"ES256")"),
            keys().rsa.jwk("ps", R"(,"alg":"PS256")"), keys().rsa1024.jwk("small"),
            R"({"kty":"oct","kid":"hmac","k":"AAAA"})",
            keys().rsa.jwk("good", R"(,"use":"sig","alg":"RS256","key_ops":["verify"])")}));
  Client c = client();
  for (const char* kid : {"enc", "ops", "priv", "es", "ps", "small", "hmac"}) {
    expect_error(c.validate_token(sign(keys().rsa, kid, claims())), ErrorCode::kInvalidToken, "unknown key id");
  }
  EXPECT_TRUE(c.validate_token(sign(keys().rsa, "good", claims())).ok());
  expect_error(c.validate_token(sign(keys().rsa1024, "small", claims())), ErrorCode::kInvalidToken);
}

TEST_F(TokenTest, AlgNoneIsRefused) {
  const std::string t = test::b64url(header("none", "rsa1")) + "." + test::b64url(json::serialize(claims())) + ".";
  expect_error(client().validate_token(t), ErrorCode::kInvalidToken, "algorithm not allowed");
  EXPECT_EQ(fetches(), 0);  // refused before any network call
}

TEST_F(TokenTest, Hs256WithThePublicKeyAsSecretIsRefused) {
  const std::string t = test::make_hs256_token(header("HS256", "rsa1"), json::serialize(claims()),
                                               keys().rsa.public_pem());
  expect_error(client().validate_token(t), ErrorCode::kInvalidToken, "algorithm not allowed");
}

TEST_F(TokenTest, AlgMustMatchTheKey) {
  // ES256 in the header, an RSA key's kid (signed with the EC key, so only the binding can refuse it).
  const std::string t = test::make_token(header("ES256", "rsa1"), json::serialize(claims()), keys().ec);
  expect_error(client().validate_token(t), ErrorCode::kInvalidToken, "does not match the key");
  // RS256 header, EC key id.
  const std::string t2 = test::make_token(header("RS256", "ec1"), json::serialize(claims()), keys().rsa);
  expect_error(client().validate_token(t2), ErrorCode::kInvalidToken, "does not match the key");
}

TEST_F(TokenTest, AlgorithmsOptionRestricts) {
  TokenValidationOptions v;
  v.algorithms = {"RS256"};
  expect_error(client().validate_token(sign(keys().ec, "ec1", claims()), v), ErrorCode::kInvalidToken,
               "algorithm not allowed");
  v.algorithms = {"HS256", "none"};  // never accepted, whatever the caller lists
  expect_error(client().validate_token(rs256(claims()), v), ErrorCode::kInvalidToken, "algorithm not allowed");
}

TEST_F(TokenTest, BadSignatureIsRefused) {
  std::string t = rs256(claims());
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  expect_error(client().validate_token(t), ErrorCode::kInvalidToken, "signature");
  // Signed by another key under a known kid.
  expect_error(client().validate_token(sign(keys().rsa2, "rsa1", claims())), ErrorCode::kInvalidToken, "signature");
  std::string e = sign(keys().ec, "ec1", claims());
  e[e.size() - 3] = e[e.size() - 3] == 'A' ? 'B' : 'A';
  expect_error(client().validate_token(e), ErrorCode::kInvalidToken, "signature");
}

TEST_F(TokenTest, ExpiryWithLeeway) {
  ClientOptions o = options();
  o.leeway = std::chrono::seconds(30);
  Client c = client(o);
  json::object p = claims();
  p["exp"] = kNow - 30 - 1;
  expect_error(c.validate_token(rs256(p)), ErrorCode::kTokenExpired, "expired");
  p["exp"] = kNow - 30;
  expect_error(c.validate_token(rs256(p)), ErrorCode::kTokenExpired, "expired");
  p["exp"] = kNow - 30 + 1;
  EXPECT_TRUE(c.validate_token(rs256(p)).ok());
  p["exp"] = static_cast<double>(kNow + 10);  // a number, not necessarily an integer
  EXPECT_TRUE(c.validate_token(rs256(p)).ok());
}

TEST_F(TokenTest, ExpIsRequiredAndNumeric) {
  json::object p = claims();
  p.erase("exp");
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "no exp");
  p["exp"] = std::to_string(kNow + 300);
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "exp is not a number");
  p["exp"] = nullptr;
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "exp is not a number");
}

// Numbers beyond double's range parse as infinity (1e400) or NaN (0e999 with Boost.JSON 1.81):
// neither is a time, and the payload text Claims::json() returns stays the token's own JSON.
TEST_F(TokenTest, NonFiniteTimesAreNotNumbers) {
  json::object p = claims();
  p.erase("exp");
  std::string base = json::serialize(p);
  base.pop_back();  // the closing brace
  const auto token = [&](std::string_view extra) {
    return test::make_token(header("RS256", "rsa1"), base + std::string(extra) + "}", keys().rsa);
  };
  expect_error(client().validate_token(token(",\"exp\":1e400")), ErrorCode::kInvalidToken, "exp is not a number");
  expect_error(client().validate_token(token(",\"exp\":-1e400")), ErrorCode::kInvalidToken, "exp is not a number");
  const std::string exp = ",\"exp\":" + std::to_string(kNow + 300);
  expect_error(client().validate_token(token(exp + ",\"nbf\":1e400")), ErrorCode::kInvalidToken,
               "nbf is not a number");
  Result<Claims> ok = client().validate_token(token(exp + ",\"extra\":1e400"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->json(), base + exp + ",\"extra\":1e400}");
}

TEST_F(TokenTest, NotBefore) {
  json::object p = claims();
  p["nbf"] = kNow + 30 + 1;
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "not valid yet");
  p["nbf"] = kNow + 30;
  EXPECT_TRUE(client().validate_token(rs256(p)).ok());
  p["nbf"] = "soon";
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "nbf");
}

TEST_F(TokenTest, Issuer) {
  json::object p = claims();
  p["iss"] = env_ + "/";
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "iss");
  p.erase("iss");
  expect_error(client().validate_token(rs256(p)), ErrorCode::kInvalidToken, "iss");
  p["iss"] = "https://issuer.example";
  TokenValidationOptions v;
  v.issuer = "https://issuer.example";
  EXPECT_TRUE(client().validate_token(rs256(p), v).ok());
  // The environment URL is taken without its trailing slashes.
  EXPECT_TRUE(Client(env_ + "//", kClientId, "secret", options()).validate_token(rs256(claims())).ok());
}

TEST_F(TokenTest, Audience) {
  TokenValidationOptions v;
  v.audience = {"other", kClientId};
  json::object p = claims();
  EXPECT_TRUE(client().validate_token(rs256(p), v).ok());  // array
  p["aud"] = kClientId;
  EXPECT_TRUE(client().validate_token(rs256(p), v).ok());  // string
  p["aud"] = json::array{"x", "y"};
  expect_error(client().validate_token(rs256(p), v), ErrorCode::kInvalidToken, "aud");
  p["aud"] = json::object{{"a", kClientId}};
  expect_error(client().validate_token(rs256(p), v), ErrorCode::kInvalidToken, "aud");
  p.erase("aud");
  expect_error(client().validate_token(rs256(p), v), ErrorCode::kInvalidToken, "aud");
  EXPECT_TRUE(client().validate_token(rs256(p)).ok());  // not asked: not checked
}

TEST_F(TokenTest, RequiredScopes) {
  TokenValidationOptions v;
  v.required_scopes = {"read", "write"};
  json::object p = claims();
  p["scopes"] = json::array{"write", "read", "admin"};
  EXPECT_TRUE(client().validate_token(rs256(p), v).ok());
  p["scopes"] = json::array{"read"};
  Result<Claims> r = client().validate_token(rs256(p), v);
  expect_error(r, ErrorCode::kInsufficientScope, "write");
  p.erase("scopes");
  p["scope"] = "read  write";
  EXPECT_TRUE(client().validate_token(rs256(p), v).ok());
  p["scope"] = "read";
  expect_error(client().validate_token(rs256(p), v), ErrorCode::kInsufficientScope);
  // The "scopes" array wins over the "scope" string, as in Claims::scopes().
  p["scope"] = "read write";
  p["scopes"] = json::array{"read"};
  expect_error(client().validate_token(rs256(p), v), ErrorCode::kInsufficientScope);
  p.erase("scope");
  p.erase("scopes");
  expect_error(client().validate_token(rs256(p), v), ErrorCode::kInsufficientScope);
  // More required scopes than the fast path handles.
  TokenValidationOptions many;
  json::array granted;
  for (int i = 0; i < 70; ++i) {
    many.required_scopes.push_back("s" + std::to_string(i));
    granted.emplace_back("s" + std::to_string(i));
  }
  p["scopes"] = granted;
  EXPECT_TRUE(client().validate_token(rs256(p), many).ok());
  many.required_scopes.push_back("s70");
  expect_error(client().validate_token(rs256(p), many), ErrorCode::kInsufficientScope, "s70");
}

TEST_F(TokenTest, DuplicateMembersCountAsTheLastOne) {
  // Hand-written JSON: what the parsed Claims show must be what was checked.
  const std::string payload = R"({"iss":"x","iss":")" + env_ + R"(","exp":1,"exp":)" + std::to_string(kNow + 60) + "}";
  Result<Claims> r = client().validate_token(test::make_token(header("RS256", "rsa1"), payload, keys().rsa));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->string("iss"), env_);
  const std::string bad = R"({"iss":")" + env_ + R"(","exp":)" + std::to_string(kNow + 60) + R"(,"exp":1})";
  expect_error(client().validate_token(test::make_token(header("RS256", "rsa1"), bad, keys().rsa)),
               ErrorCode::kTokenExpired, "expired");
  // Escaped member names and values are unescaped before comparison.
  const std::string escaped =
      R"({"\u0069ss":")" + env_ + R"(","e\u0078p":)" + std::to_string(kNow + 60) + R"(,"scope":"r\u0065ad"})";
  TokenValidationOptions v;
  v.required_scopes = {"read"};
  EXPECT_TRUE(client().validate_token(test::make_token(header("RS256", "rsa1"), escaped, keys().rsa), v).ok());
}

TEST_F(TokenTest, MalformedTokens) {
  Client c = client();
  const std::string good = rs256(claims());
  const std::size_t dot1 = good.find('.');
  const std::size_t dot2 = good.find('.', dot1 + 1);
  expect_error(c.validate_token(""), ErrorCode::kInvalidToken, "three");
  expect_error(c.validate_token(good.substr(0, dot2)), ErrorCode::kInvalidToken, "three");
  expect_error(c.validate_token(good + ".AAAA"), ErrorCode::kInvalidToken, "three");
  expect_error(c.validate_token(good.substr(0, good.size() - 10)), ErrorCode::kInvalidToken);
  std::string bad = good;
  bad[dot1 + 3] = '+';  // standard base64, not base64url
  expect_error(c.validate_token(bad), ErrorCode::kInvalidToken, "base64url");
  expect_error(c.validate_token(good.substr(0, dot1) + "=" + good.substr(dot1)), ErrorCode::kInvalidToken,
               "base64url");
  // Non-object payloads and headers, properly signed.
  for (const char* payload : {"[1,2]", "\"x\"", "{\"exp\":", "{} {}", "null"}) {
    expect_error(c.validate_token(test::make_token(header("RS256", "rsa1"), payload, keys().rsa)),
                 ErrorCode::kInvalidToken, "payload");
  }
  expect_error(c.validate_token(test::make_token("[]", json::serialize(claims()), keys().rsa)),
               ErrorCode::kInvalidToken, "header");
  expect_error(c.validate_token(test::make_token(R"({"alg":"RS256"})", json::serialize(claims()), keys().rsa)),
               ErrorCode::kInvalidToken, "kid");
  expect_error(c.validate_token(test::make_token(R"({"alg":"RS256","kid":7})", json::serialize(claims()), keys().rsa)),
               ErrorCode::kInvalidToken, "kid");
  for (const char* extra : {"crit", "jku", "jwk", "x5u", "x5c"}) {
    const std::string h = R"({"alg":"RS256","kid":"rsa1",")" + std::string(extra) + R"(":["b64"]})";
    expect_error(c.validate_token(test::make_token(h, json::serialize(claims()), keys().rsa)), ErrorCode::kInvalidToken,
                 extra);
  }
  // Over 16 KiB, however valid otherwise.
  json::object big = claims();
  big["pad"] = std::string(20 * 1024, 'x');
  expect_error(c.validate_token(rs256(big)), ErrorCode::kInvalidToken, "16 KiB");
}

TEST_F(TokenTest, MessagesNeverContainTheToken) {
  json::object p = claims();
  p["exp"] = kNow - 1000;
  const std::string t = rs256(p);
  Result<Claims> r = client().validate_token(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find(t.substr(t.rfind('.') + 1, 20)), std::string::npos);
  EXPECT_EQ(r.error().message.find(t.substr(0, 20)), std::string::npos);
}

TEST_F(TokenTest, AccessTokenTyp) {
  Client c = client();
  for (const char* typ : {"at+jwt", "application/at+jwt", "AT+JWT"}) {
    EXPECT_TRUE(c.validate_access_token(sign(keys().rsa, "rsa1", claims(), typ)).ok()) << typ;
  }
  for (const char* typ : {"JWT", "", "logout+jwt"}) {
    expect_error(c.validate_access_token(sign(keys().rsa, "rsa1", claims(), typ)), ErrorCode::kInvalidToken, "typ");
  }
  // An ID token (no typ, or JWT) passes validate_token but not validate_access_token.
  EXPECT_TRUE(c.validate_token(sign(keys().rsa, "rsa1", claims(), "JWT")).ok());
  TokenValidationOptions v;
  v.required_scopes = {"read"};
  json::object p = claims();
  p["scope"] = "read";
  EXPECT_TRUE(c.validate_access_token(sign(keys().ec, "ec1", p, "at+jwt"), v).ok());
}

TEST_F(TokenTest, IdpInitiatedLoginClaims) {
  json::object p = claims();
  p["connection_id"] = "conn_1";
  p["organization_id"] = "org_1";
  p["login_hint"] = "a@example.com";
  p["relay_state"] = "xyz";
  Result<IdpInitiatedLoginClaims> r = client().get_idp_initiated_login_claims(rs256(p));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->connection_id, "conn_1");
  EXPECT_EQ(r->organization_id, "org_1");
  EXPECT_EQ(r->login_hint, "a@example.com");
  EXPECT_EQ(r->relay_state, "xyz");
  p.erase("relay_state");
  r = client().get_idp_initiated_login_claims(rs256(p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->relay_state, "");
  p["connection_id"] = 5;
  r = client().get_idp_initiated_login_claims(rs256(p));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken);
  p["connection_id"] = "conn_1";
  p["exp"] = kNow - 1000;
  r = client().get_idp_initiated_login_claims(rs256(p));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTokenExpired);
}

TEST_F(TokenTest, InvalidEnvironmentUrl) {
  for (const char* url : {"not a url", "ftp://host", "http://", "https:///path", "http://a b", "http://h:x",
                          "http://h/?q=1", "http://user@h"}) {
    Client c(url, kClientId, "secret", options());
    Result<Claims> r = c.validate_token(rs256(claims()));
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url;
  }
  for (const char* url : {"http://127.0.0.1:8080", "HTTPS://auth.example.com/tenant/", "http://[::1]:80"}) {
    Client c(url, kClientId, "secret", options());
    Result<Claims> r = c.validate_token("x.y.z");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken) << url;
  }
}

TEST(ClaimsTest, Accessors) {
  Claims empty;
  EXPECT_FALSE(empty.contains("sub"));
  EXPECT_EQ(empty.string("sub"), std::nullopt);
  EXPECT_TRUE(empty.scopes().empty());
  EXPECT_EQ(empty.json(), "{}");
}

}  // namespace
}  // namespace gatehouse::sdk
