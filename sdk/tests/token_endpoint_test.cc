// Client::authenticate_with_code / refresh_access_token / get_client_access_token /
// generate_client_token against canned token endpoint answers (support/jwks_server.py), and the
// HTTP client's failure modes: a server that never answers, a refused connection, a huge body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

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
constexpr const char* kSecret = "s3cr3t+/=";

const TestKey& rsa() {
  static const TestKey k = TestKey::generate(TestKey::Type::kRsa);
  return k;
}

class TokenEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = JwksServer::get().scenario();
    ASSERT_NE(JwksServer::get().port(), 0) << "jwks_server.py did not start";
    server().write(env_, "keys.json", R"({"keys":[)" + rsa().jwk("k1") + "]}");
  }
  static JwksServer& server() { return JwksServer::get(); }
  static ClientOptions options() {
    ClientOptions o;
    o.now = [] { return kNow; };
    o.timeout = std::chrono::milliseconds(5000);
    return o;
  }
  Client client(ClientOptions o = options()) const { return Client(env_, kClientId, kSecret, std::move(o)); }

  std::string id_token(json::object extra = {}) const {
    json::object p{{"iss", env_}, {"aud", json::array{kClientId}}, {"sub", "usr_1"}, {"exp", kNow + 300},
                   {"iat", kNow}, {"oid", "org_1"}};
    for (auto& [k, v] : extra) p[k] = v;
    return test::make_token(R"({"alg":"RS256","kid":"k1","typ":"JWT"})", json::serialize(p), rsa());
  }
  void answer(int status, const std::string& body) {
    server().write(env_, "token.status", std::to_string(status));
    server().write(env_, "token.json", body);
  }
  std::string request() const { return server().read(env_, "token_request.txt"); }

  std::string env_;
};

TEST_F(TokenEndpointTest, ClientCredentials) {
  answer(200, R"({"access_token":"at_1","token_type":"Bearer","expires_in":3600})");
  Result<std::string> r = client().get_client_access_token();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "at_1");
  EXPECT_EQ(request(), "grant_type=client_credentials&client_id=skc_test&client_secret=s3cr3t%2B%2F%3D");
  r = client().generate_client_token("m2m_1", "other secret");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(request(), "grant_type=client_credentials&client_id=m2m_1&client_secret=other%20secret");
}

TEST_F(TokenEndpointTest, AuthorizationCode) {
  const std::string idt = id_token({{"email", "a@example.com"}, {"email_verified", true}, {"name", "Ann Lee"},
                                    {"given_name", "Ann"}, {"family_name", "Lee"}, {"preferred_username", "ann"},
                                    {"phone_number", "+1555"}, {"phone_number_verified", false},
                                    {"picture", "https://p/x.png"}, {"locale", "en"}, {"nonce", "n-1"}});
  answer(200, json::serialize(json::object{{"access_token", "at_1"}, {"id_token", idt}, {"refresh_token", "rt_1"},
                                           {"expires_in", 299}, {"token_type", "Bearer"}}));
  AuthenticationOptions o;
  o.code_verifier = "verifier-1";
  o.nonce = "n-1";
  Result<AuthenticationResponse> r = client().authenticate_with_code("code 1", "https://app/cb?x=1", o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(request(),
            "code=code%201&redirect_uri=https%3A%2F%2Fapp%2Fcb%3Fx%3D1&grant_type=authorization_code"
            "&client_id=skc_test&client_secret=s3cr3t%2B%2F%3D&code_verifier=verifier-1");
  EXPECT_EQ(r->access_token, "at_1");
  EXPECT_EQ(r->refresh_token, "rt_1");
  EXPECT_EQ(r->id_token, idt);
  EXPECT_EQ(r->expires_in, 299);
  EXPECT_EQ(r->user.id, "usr_1");
  EXPECT_EQ(r->user.email, "a@example.com");
  EXPECT_TRUE(r->user.email_verified);
  EXPECT_EQ(r->user.name, "Ann Lee");
  EXPECT_EQ(r->user.given_name, "Ann");
  EXPECT_EQ(r->user.family_name, "Lee");
  EXPECT_EQ(r->user.username, "ann");
  EXPECT_EQ(r->user.phone_number, "+1555");
  EXPECT_FALSE(r->user.phone_number_verified);
  EXPECT_EQ(r->user.picture, "https://p/x.png");
  EXPECT_EQ(r->user.locale, "en");
  EXPECT_EQ(r->user.organization_id, "org_1");
  EXPECT_EQ(r->id_token_claims.string("nonce"), "n-1");
}

TEST_F(TokenEndpointTest, AuthorizationCodeVerifiesTheIdToken) {
  AuthenticationOptions nonce;
  nonce.nonce = "expected";
  answer(200, json::serialize(json::object{{"access_token", "at"}, {"id_token", id_token({{"nonce", "other"}})}}));
  Result<AuthenticationResponse> r = client().authenticate_with_code("c", "https://app/cb", nonce);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken);
  EXPECT_NE(r.error().message.find("nonce"), std::string::npos);
  answer(200, json::serialize(json::object{{"access_token", "at"}, {"id_token", id_token()}}));
  r = client().authenticate_with_code("c", "https://app/cb", nonce);  // no nonce in the token
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken);
  // aud must be this client.
  answer(200, json::serialize(json::object{{"access_token", "at"}, {"id_token", id_token({{"aud", "other"}})}}));
  r = client().authenticate_with_code("c", "https://app/cb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken);
  // Expired.
  answer(200, json::serialize(json::object{{"access_token", "at"}, {"id_token", id_token({{"exp", kNow - 100}})}}));
  r = client().authenticate_with_code("c", "https://app/cb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTokenExpired);
  // Without a nonce asked for, and with the token's nonce: fine.
  answer(200, json::serialize(json::object{{"access_token", "at"}, {"id_token", id_token({{"nonce", "x"}})}}));
  r = client().authenticate_with_code("c", "https://app/cb");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->refresh_token, "");
  EXPECT_EQ(r->expires_in, 0);
}

TEST_F(TokenEndpointTest, AuthorizationCodeRequiresAnIdToken) {
  answer(200, R"({"access_token":"at_1","token_type":"Bearer"})");
  Result<AuthenticationResponse> r = client().authenticate_with_code("c", "https://app/cb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidResponse);
  EXPECT_NE(r.error().message.find("id_token"), std::string::npos);
}

TEST_F(TokenEndpointTest, Refresh) {
  const std::string idt = id_token({{"email", "a@example.com"}, {"amr", json::array{"conn_1", "otp"}}});
  answer(200, json::serialize(json::object{
                  {"access_token", "at_2"}, {"refresh_token", "rt_2"}, {"id_token", idt}, {"expires_in", 300}}));
  Result<RefreshTokenResponse> r = client().refresh_access_token("rt_1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(request(), "grant_type=refresh_token&client_id=skc_test&client_secret=s3cr3t%2B%2F%3D&refresh_token=rt_1");
  EXPECT_EQ(r->access_token, "at_2");
  EXPECT_EQ(r->refresh_token, "rt_2");
  EXPECT_EQ(r->id_token, idt);
  EXPECT_EQ(r->expires_in, 300);
  EXPECT_EQ(r->user.id, "usr_1");
  EXPECT_EQ(r->user.email, "a@example.com");
  EXPECT_EQ(r->user.connection_id, "conn_1");
  EXPECT_EQ(r->id_token_claims.string("email"), "a@example.com");
  // The refreshed ID token is verified like the code exchange's: another audience is refused.
  answer(200, json::serialize(json::object{
                  {"access_token", "at_2"}, {"refresh_token", "rt_2"}, {"id_token", id_token({{"aud", "other"}})}}));
  r = client().refresh_access_token("rt_1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken);
  answer(200, R"({"access_token":"at_2","refresh_token":"rt_2","id_token":"not.a.jwt"})");
  r = client().refresh_access_token("rt_1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidToken);
  // Without an ID token: no user.
  answer(200, R"({"access_token":"at_2","refresh_token":"rt_2"})");
  r = client().refresh_access_token("rt_1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user.id, "");
  answer(200, R"({"access_token":"at_2"})");  // no rotated refresh token
  r = client().refresh_access_token("rt_1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidResponse);
}

TEST_F(TokenEndpointTest, InvalidResponses) {
  for (const char* body : {"<html>oops", "[]", "{}", R"({"access_token":5})", R"({"access_token":""})",
                           R"({"access_token":"a","expires_in":"300"})", R"({"access_token":"a","expires_in":1.5})",
                           R"({"access_token":"a","expires_in":-1})"}) {
    answer(200, body);
    Result<std::string> r = client().get_client_access_token();
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidResponse) << body;
  }
  answer(200, R"({"access_token":"at","id_token":7,"refresh_token":"r"})");
  Result<RefreshTokenResponse> r = client().refresh_access_token("rt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidResponse);
}

TEST_F(TokenEndpointTest, OAuthErrors) {
  answer(500, R"({"error":"server_error","error_description":"database down"})");
  Result<std::string> r = client().get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kServerError);
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_EQ(r.error().oauth_error, "server_error");
  EXPECT_EQ(r.error().oauth_error_description, "database down");
  answer(400, R"({"error":"invalid_grant","error_description":"unknown code"})");
  Result<AuthenticationResponse> a = client().authenticate_with_code("c", "https://app/cb");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kServerError);
  EXPECT_EQ(a.error().http_status, 400);
  EXPECT_EQ(a.error().oauth_error, "invalid_grant");
  answer(502, "<html>bad gateway</html>");
  r = client().get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kServerError);
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_EQ(r.error().oauth_error, "");
  EXPECT_EQ(r.error().message.find("bad gateway"), std::string::npos);
  answer(302, "{}");  // redirects are not followed
  r = client().get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 302);
}

TEST_F(TokenEndpointTest, SecretsStayOutOfMessages) {
  answer(401, R"({"error":"invalid_client"})");
  Result<AuthenticationResponse> r = client().authenticate_with_code("the-code-123", "https://app/cb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("the-code-123"), std::string::npos);
  EXPECT_EQ(r.error().message.find("s3cr3t"), std::string::npos);
}

TEST_F(TokenEndpointTest, ServerThatNeverAnswers) {
  server().write(env_, "token.mode", "hang");
  ClientOptions o = options();
  o.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  Result<std::string> r = client(o).get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(TokenEndpointTest, ResponseOverOneMebibyte) {
  server().write(env_, "token.mode", "big");
  Result<std::string> r = client().get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidResponse) << r.error().message;
}

TEST_F(TokenEndpointTest, ConnectionRefused) {
  const int port = test_support::FreePort();
  ASSERT_NE(port, 0);
  Client c("http://127.0.0.1:" + std::to_string(port), kClientId, kSecret, options());
  Result<std::string> r = c.get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork) << r.error().message;
  EXPECT_EQ(c.validate_token("a.b.c").error().code, ErrorCode::kInvalidToken);  // malformed: no fetch needed
}

TEST_F(TokenEndpointTest, TlsFailureIsANetworkError) {
  // The helper speaks plain HTTP: a TLS handshake with it fails.
  Client c("https://127.0.0.1:" + std::to_string(server().port()) + "/x", kClientId, kSecret, options());
  Result<std::string> r = c.get_client_access_token();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork) << r.error().message;
}

TEST_F(TokenEndpointTest, NotAUrl) {
  Client c("not a url", kClientId, kSecret, options());
  EXPECT_EQ(c.get_client_access_token().error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.refresh_access_token("rt").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.authenticate_with_code("c", "https://app/cb").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.environment_url(), "not a url");
  EXPECT_EQ(c.client_id(), kClientId);
}

TEST_F(TokenEndpointTest, EmptyArgumentsAreRefusedLocally) {
  EXPECT_EQ(client().authenticate_with_code("", "https://app/cb").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client().refresh_access_token("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client().generate_client_token("", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(server().count(env_, "token"), 0);
}

TEST_F(TokenEndpointTest, NonPositiveTimeoutIsRefused) {
  ClientOptions o = options();
  o.timeout = std::chrono::milliseconds(0);
  answer(200, R"({"access_token":"a"})");
  EXPECT_EQ(client(o).get_client_access_token().error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TokenEndpointTest, ConnectionsAreReused) {
  answer(200, R"({"access_token":"a"})");
  Client c = client();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.get_client_access_token().ok());
  EXPECT_EQ(server().count(env_, "token"), 5);
  // One connection for all five sequential calls (the handle pool keeps it alive).
  const std::string peers = server().read(env_, "token.peers");
  const std::string first = peers.substr(0, peers.find('\n') + 1);
  std::string expected;
  for (int i = 0; i < 5; ++i) expected += first;
  EXPECT_EQ(peers, expected);
}

}  // namespace
}  // namespace gatehouse::sdk
