// The OIDC and GitHub connectors against a real fake IdP (tests/support/oidc_idp.py), one per
// test on a loopback port. The IdP checks what it receives (PKCE, client authentication,
// redirect_uri, Bearer tokens, GitHub's headers) and misbehaves when told to via /_control.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/random.h"
#include "common/url.h"
#include "connectors/sso/oidc.h"
#include "crypto/hash.h"
#include "support/process.h"

namespace gatehouse::connectors::sso {
namespace {

namespace json = boost::json;
using test_support::ServerProcess;

constexpr char kCallback[] = "https://gatehouse.test/sso/v1/oidc/callback";
constexpr char kClientId[] = "gh-client";
constexpr char kSecret[] = "s3cret:with/odd chars+%";  // the IdP's default; needs form-encoding

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "<missing>";
}

// The query of `url` as parameters ("" when it has none).
QueryParams QueryOf(const std::string& url) {
  const std::size_t q = url.find('?');
  auto params = ParseQuery(q == std::string::npos ? "" : std::string_view(url).substr(q + 1));
  EXPECT_TRUE(params.ok());
  return params.ok() ? *params : QueryParams{};
}

std::string Param(const QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "<missing>";
}

class OidcConnectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    idp_ = std::make_unique<ServerProcess>(std::vector<std::string>{GATEHOUSE_PYTHON, GATEHOUSE_OIDC_IDP});
    ASSERT_GT(idp_->port(), 0) << "oidc_idp.py did not report a port";
    Control({{"iat", clock_.NowSeconds()}});
  }

  void TearDown() override {
    if (idp_) {
      EXPECT_EQ(idp_->Stop(), 0) << "oidc_idp.py exits 0 on SIGTERM";
    }
  }

  std::string Base() const { return "http://127.0.0.1:" + std::to_string(idp_->port()); }

  void Control(const json::object& change) {
    auto r = admin_.PostForm(Base() + "/_control", json::serialize(change));
    ASSERT_TRUE(r.ok() && r->status == 200) << "control call failed";
  }

  json::object State() {
    auto r = admin_.Get(Base() + "/_state");
    EXPECT_TRUE(r.ok() && r->status == 200);
    return r.ok() ? json::parse(r->body).as_object() : json::object{};
  }

  std::int64_t Count(std::string_view route) {
    const json::object state = State();
    const json::value* n = state.at("counts").as_object().if_contains(route);
    return n != nullptr ? n->as_int64() : 0;
  }

  // Moves the fake clock, and the IdP's iat with it.
  void Advance(int seconds) {
    clock_.Advance(std::chrono::seconds(seconds));
    Control({{"iat", clock_.NowSeconds()}});
  }

  std::unique_ptr<Connector> Make(const std::string& type, const std::string& provider, const std::string& settings,
                                  const std::string& secret = kSecret) {
    auto c = MakeOidcConnector(context_, {"conn_1", type, provider, settings, secret});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::unique_ptr<Connector> MakeOidc(const std::string& extra = "") {
    return Make("oidc", "custom",
                R"({"issuer":")" + Base() + R"(","client_id":")" + kClientId + "\"" + extra + "}");
  }

  std::unique_ptr<Connector> MakeGithub() {
    return Make("oauth", "github",
                R"({"client_id":")" + std::string(kClientId) + R"(","authorization_endpoint":")" + Base() +
                    R"(/login/oauth/authorize","token_endpoint":")" + Base() + R"(/login/oauth/access_token",)" +
                    R"("api_url":")" + Base() + "/\"}");
  }

  StartOutput MustStart(const Connector& c, const std::string& login_hint = "") {
    auto r = c.Start({.callback_url = kCallback, .relay = "relay-" + std::to_string(++relays_), .login_hint = login_hint});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || !std::holds_alternative<StartOutput>(*r)) {
      ADD_FAILURE() << "Start did not produce a redirect";
      return {};
    }
    return std::get<StartOutput>(*r);
  }

  // Start, the browser's visit to the IdP (which answers 302 to the callback), then Finish with
  // the callback's query.
  Outcome Login(const Connector& c) {
    const StartOutput start = MustStart(c);
    auto visit = admin_.Get(start.redirect_url);
    EXPECT_TRUE(visit.ok() && visit->status == 302);
    if (!visit.ok()) return UpstreamError{"<test>", "authorize failed"};
    const std::string location = Str(json::parse(visit->body).as_object(), "location");
    EXPECT_TRUE(location.starts_with(std::string(kCallback) + "?")) << location;
    EXPECT_EQ(Param(QueryOf(location), "state"), Param(QueryOf(start.redirect_url), "state"));
    return Finish(c, QueryOf(location), start.upstream_state);
  }

  Outcome Finish(const Connector& c, QueryParams params, const std::string& upstream_state) {
    auto r = c.Finish({.params = std::move(params), .callback_url = kCallback, .upstream_state = upstream_state});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Outcome(UpstreamError{"<status>", r.status().ToString()});
  }

  static Identity MustIdentity(const Outcome& o) {
    if (const auto* e = std::get_if<UpstreamError>(&o)) {
      ADD_FAILURE() << "expected an identity, got " << e->code << ": " << e->description;
      return {};
    }
    return std::get<Identity>(o);
  }

  // The error code ("identity" when there is none), with the description's shape checked.
  static std::string ErrorCode(const Outcome& o) {
    const auto* e = std::get_if<UpstreamError>(&o);
    if (e == nullptr) return "identity";
    EXPECT_LE(e->description.size(), 200u);
    for (char ch : e->description) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << e->description;
    return e->code;
  }

  http::HttpClient client_{{.timeout = std::chrono::milliseconds(1500), .connect_timeout = std::chrono::seconds(1)}};
  http::HttpClient admin_{{.timeout = std::chrono::seconds(10)}};  // the test's own calls
  FakeClock clock_;
  FakeRandom random_{7};
  ConnectorContext context_{client_, clock_, random_, "https://gatehouse.test"};
  std::unique_ptr<ServerProcess> idp_;
  int relays_ = 0;
};

TEST_F(OidcConnectorTest, StartRedirectsWithEveryParameter) {
  auto c = MakeOidc();
  const StartOutput a = MustStart(*c, "ada@example.com");
  // The discovered endpoint already has a query ("?tenant=t1"): ours is appended with '&'.
  EXPECT_TRUE(a.redirect_url.starts_with(Base() + "/authorize?tenant=t1&response_type=code&")) << a.redirect_url;
  const QueryParams q = QueryOf(a.redirect_url);
  EXPECT_EQ(Param(q, "tenant"), "t1");
  EXPECT_EQ(Param(q, "client_id"), kClientId);
  EXPECT_EQ(Param(q, "redirect_uri"), kCallback);
  EXPECT_EQ(Param(q, "scope"), "openid profile email");
  EXPECT_EQ(Param(q, "state"), "relay-1");
  EXPECT_EQ(Param(q, "login_hint"), "ada@example.com");
  EXPECT_EQ(Param(q, "code_challenge_method"), "S256");
  const json::object state = json::parse(a.upstream_state).as_object();
  EXPECT_EQ(Param(q, "nonce"), Str(state, "n"));
  EXPECT_EQ(Base64UrlDecode(Param(q, "nonce")).value_or("").size(), 32u);
  const std::string verifier = Str(state, "v");
  EXPECT_EQ(Base64UrlDecode(verifier).value_or("").size(), 32u);
  EXPECT_EQ(Param(q, "code_challenge"), Base64UrlEncode(crypto::Sha256(verifier)));
  EXPECT_LE(a.upstream_state.size(), 1024u);

  const StartOutput b = MustStart(*c);
  const QueryParams q2 = QueryOf(b.redirect_url);
  EXPECT_EQ(Param(q2, "login_hint"), "<missing>");
  EXPECT_NE(Param(q2, "nonce"), Param(q, "nonce"));
  EXPECT_NE(Param(q2, "code_challenge"), Param(q, "code_challenge"));
  EXPECT_EQ(Count("/.well-known/openid-configuration"), 1);  // cached
}

TEST_F(OidcConnectorTest, SignsInWithClientSecretBasic) {
  auto c = MakeOidc();
  const Identity id = MustIdentity(Login(*c));
  EXPECT_EQ(id.subject, "user-123");
  EXPECT_EQ(id.email, "ada@example.com");
  EXPECT_TRUE(id.email_verified);
  EXPECT_EQ(id.name, "Ada Lovelace");
  EXPECT_EQ(id.given_name, "Ada");
  EXPECT_EQ(id.family_name, "Lovelace");
  EXPECT_EQ(id.groups, (std::vector<std::string>{"admins", "devs"}));
  const json::object raw = json::parse(id.raw_json).as_object();
  EXPECT_EQ(Str(raw, "sub"), "user-123");
  EXPECT_EQ(Str(raw, "iss"), Base());
  const json::object token_call = State().at("last_token").as_object();
  EXPECT_TRUE(Str(token_call, "authorization").starts_with("Basic ")) << "the IdP checked it";
  EXPECT_FALSE(token_call.at("form").as_object().contains("client_secret"));
  EXPECT_EQ(Count("/userinfo"), 0);  // the ID token had everything
}

TEST_F(OidcConnectorTest, SignsInWithClientSecretPost) {
  Control({{"client_auth", "post"}});
  auto c = MakeOidc(R"(,"token_auth_method":"client_secret_post")");
  EXPECT_EQ(MustIdentity(Login(*c)).subject, "user-123");
  const json::object token_call = State().at("last_token").as_object();
  EXPECT_TRUE(token_call.at("authorization").is_null());
  // The IdP refuses the other method, so the setting is what decides.
  auto basic = MakeOidc();
  EXPECT_EQ(ErrorCode(Login(*basic)), "failed_to_exchange_token");
}

TEST_F(OidcConnectorTest, AWrongClientSecretFailsTheExchange) {
  auto c = Make("oidc", "custom", R"({"issuer":")" + Base() + R"(","client_id":"gh-client"})", "wrong");
  EXPECT_EQ(ErrorCode(Login(*c)), "failed_to_exchange_token");
}

TEST_F(OidcConnectorTest, MissingEmailComesFromUserinfo) {
  Control({{"omit_claims", json::array{"email", "email_verified"}}});
  auto c = MakeOidc();
  const Identity id = MustIdentity(Login(*c));
  EXPECT_EQ(id.email, "userinfo@example.com");
  EXPECT_TRUE(id.email_verified);
  EXPECT_EQ(id.name, "Ada Lovelace");  // the ID token's claims win
  EXPECT_EQ(Count("/userinfo"), 1);

  Control({{"userinfo_mode", "wrong_sub"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "user_info_retrieve_failed");
  Control({{"userinfo_mode", "fail"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "user_info_retrieve_failed");
}

TEST_F(OidcConnectorTest, AttributeMappingAndLooseClaimShapes) {
  Control({{"extra_claims", {{"mail", "m@example.com"}, {"mail_ok", "true"}, {"roles", "single-role"}}}});
  auto c = MakeOidc(R"(,"attribute_mapping":{"email":"mail","email_verified":"mail_ok","groups":"roles"})");
  const Identity id = MustIdentity(Login(*c));
  EXPECT_EQ(id.email, "m@example.com");
  EXPECT_TRUE(id.email_verified);  // the string "true"
  EXPECT_EQ(id.groups, std::vector<std::string>{"single-role"});
  Control({{"extra_claims", {{"mail", "m@example.com"}, {"mail_ok", "yes"}}}});
  EXPECT_FALSE(MustIdentity(Login(*c)).email_verified);
}

TEST_F(OidcConnectorTest, RawJsonIsCutToTheMappedClaimsPast16KiB) {
  Control({{"omit_claims", json::array{"email"}}, {"userinfo_extra", {{"big", std::string(20000, 'x')}}}});
  auto c = MakeOidc();
  const Identity id = MustIdentity(Login(*c));
  EXPECT_LE(id.raw_json.size(), 16u * 1024);
  const json::object raw = json::parse(id.raw_json).as_object();
  EXPECT_FALSE(raw.contains("big"));
  EXPECT_FALSE(raw.contains("iss"));
  EXPECT_EQ(Str(raw, "sub"), "user-123");
  EXPECT_EQ(Str(raw, "email"), "userinfo@example.com");
}

TEST_F(OidcConnectorTest, AnEmptySubjectIsAMissingMandatoryAttribute) {
  Control({{"extra_claims", {{"sub", ""}}}});
  auto c = MakeOidc();
  EXPECT_EQ(ErrorCode(Login(*c)), "mandatory_attribute_missing");
}

TEST_F(OidcConnectorTest, DiscoveryAndJwksAreCachedForAnHour) {
  auto c = MakeOidc();
  MustIdentity(Login(*c));
  MustIdentity(Login(*c));
  EXPECT_EQ(Count("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(Count("/jwks"), 1);
  Advance(3599);
  MustIdentity(Login(*c));
  EXPECT_EQ(Count("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(Count("/jwks"), 1);
  Advance(2);
  MustIdentity(Login(*c));
  EXPECT_EQ(Count("/.well-known/openid-configuration"), 2);
  EXPECT_EQ(Count("/jwks"), 2);
}

TEST_F(OidcConnectorTest, AnUnknownKidRefetchesTheJwksAtMostOnceAMinute) {
  auto c = MakeOidc();
  MustIdentity(Login(*c));
  ASSERT_EQ(Count("/jwks"), 1);
  Control({{"token_mode", "unknown_kid"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token");
  EXPECT_EQ(Count("/jwks"), 1);  // fetched less than a minute ago
  Advance(61);
  EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token");
  EXPECT_EQ(Count("/jwks"), 2);  // one refetch, then the failure
  EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token");
  EXPECT_EQ(Count("/jwks"), 2);
}

TEST_F(OidcConnectorTest, ARotatedKeyIsPickedUp) {
  auto c = MakeOidc();
  MustIdentity(Login(*c));
  Advance(61);
  Control({{"rotate", true}});  // a new EC key (ES256) in the JWKS, signing from now on
  EXPECT_EQ(MustIdentity(Login(*c)).subject, "user-123");
  EXPECT_EQ(Count("/jwks"), 2);
  MustIdentity(Login(*c));
  EXPECT_EQ(Count("/jwks"), 2);
}

TEST_F(OidcConnectorTest, EveryTokenEndpointFailureIsFailedToExchangeToken) {
  auto c = MakeOidc();
  for (const char* mode : {"garbage", "error_400", "status_500", "oversized", "no_id_token", "hang"}) {
    Control({{"token_mode", mode}});
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(ErrorCode(Login(*c)), "failed_to_exchange_token") << mode;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << mode;
  }
}

TEST_F(OidcConnectorTest, EveryIdTokenDefectIsInvalidIdToken) {
  auto c = MakeOidc();
  for (const char* mode : {"bad_signature", "wrong_nonce", "wrong_aud", "wrong_iss", "expired", "no_iat",
                           "multi_aud", "alg_none", "hs256", "unknown_kid"}) {
    Control({{"token_mode", mode}});
    EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token") << mode;
  }
  Control({{"token_mode", "multi_aud_azp"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "identity");
  Control({{"token_mode", "ok"}, {"extra_claims", {{"azp", "someone-else"}}}});
  EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token");
  Control({{"extra_claims", {{"aud", json::array{"other", 5}}}}});
  EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token");
}

TEST_F(OidcConnectorTest, ExpiryIsJudgedByTheInjectedClockWithALeeway) {
  auto c = MakeOidc();
  // exp = iat + 600 at the IdP.
  Control({{"iat", clock_.NowSeconds() - 600 - 59}});
  EXPECT_EQ(ErrorCode(Login(*c)), "identity");
  Control({{"iat", clock_.NowSeconds() - 600 - 61}});
  EXPECT_EQ(ErrorCode(Login(*c)), "invalid_id_token");
}

TEST_F(OidcConnectorTest, AnotherLegsUpstreamStateFailsThePkceCheck) {
  auto c = MakeOidc();
  const StartOutput first = MustStart(*c);
  const StartOutput second = MustStart(*c);
  auto visit = admin_.Get(first.redirect_url);
  ASSERT_TRUE(visit.ok());
  const QueryParams callback = QueryOf(Str(json::parse(visit->body).as_object(), "location"));
  // The code was issued for the first leg's nonce and verifier: the second leg's state fails.
  EXPECT_EQ(ErrorCode(Finish(*c, callback, second.upstream_state)), "failed_to_exchange_token");  // PKCE
}

TEST_F(OidcConnectorTest, CallbackErrors) {
  auto c = MakeOidc();
  Control({{"cancel", true}});
  EXPECT_EQ(ErrorCode(Login(*c)), "access_denied");
  const StartOutput s = MustStart(*c);
  const Outcome other =
      Finish(*c, {{"error", "login_required"}, {"error_description", "line\nbreak \x01" + std::string(500, 'z')}},
             s.upstream_state);
  EXPECT_EQ(ErrorCode(other), "authentication_not_completed");
  EXPECT_NE(std::get<UpstreamError>(other).description.find("login_required"), std::string::npos);
  EXPECT_EQ(ErrorCode(Finish(*c, {{"error", "temporarily_unavailable"}}, s.upstream_state)), "server_error");
  EXPECT_EQ(ErrorCode(Finish(*c, {{"state", "relay-1"}}, s.upstream_state)), "authentication_not_completed");
  EXPECT_EQ(ErrorCode(Finish(*c, {{"code", ""}}, s.upstream_state)), "authentication_not_completed");
  EXPECT_EQ(ErrorCode(Finish(*c, {{"code", "abc"}}, "")), "authentication_not_completed");
  EXPECT_FALSE(c->Finish({.params = {{"code", "abc"}}, .callback_url = kCallback, .upstream_state = "junk"}).ok());
  EXPECT_EQ(Count("/token"), 0);  // none of these reached the token endpoint
}

TEST_F(OidcConnectorTest, AnUnreachableOrWrongIssuerIsServerErrorAtStart) {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(test_support::FreePort());
  auto c = Make("oidc", "custom", R"({"issuer":")" + nowhere + R"(","client_id":"c"})");
  auto r = c->Start({.callback_url = kCallback, .relay = "r"});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(std::holds_alternative<UpstreamError>(*r));
  EXPECT_EQ(std::get<UpstreamError>(*r).code, "server_error");
  EXPECT_EQ(std::get<UpstreamError>(*r).description, "the identity provider could not be reached");

  // The IdP publishes issuer Base(), not Base() + "/": the document is refused.
  auto slash = Make("oidc", "custom", R"({"issuer":")" + Base() + R"(/","client_id":"c"})");
  r = slash->Start({.callback_url = kCallback, .relay = "r"});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(std::holds_alternative<UpstreamError>(*r));
  EXPECT_EQ(std::get<UpstreamError>(*r).code, "server_error");
  EXPECT_EQ(Count("/.well-known/openid-configuration"), 1);
}

TEST_F(OidcConnectorTest, MicrosoftTenantTemplateIssuer) {
  Control({{"ms_tenant", "9188040d-6c67-4c5b-b112-36a304b66dad"}, {"issuer_path", "/common/v2.0"}});
  auto ms = Make("oauth", "microsoft", R"({"client_id":"gh-client","issuer":")" + Base() + R"(/common/v2.0"})");
  const StartOutput s = MustStart(*ms);
  EXPECT_EQ(Param(QueryOf(s.redirect_url), "scope"), "openid email profile");  // the preset's
  EXPECT_EQ(MustIdentity(Login(*ms)).subject, "user-123");
  // The token's iss must be the template with the token's own tid.
  Control({{"extra_claims", {{"tid", "another-tenant"}}}});
  EXPECT_EQ(ErrorCode(Login(*ms)), "invalid_id_token");
  Control({{"extra_claims", json::object{}}, {"token_mode", "wrong_iss"}});
  EXPECT_EQ(ErrorCode(Login(*ms)), "invalid_id_token");
  // Only the microsoft preset accepts a template issuer.
  auto generic = Make("oidc", "custom", R"({"issuer":")" + Base() + R"(/common/v2.0","client_id":"gh-client"})");
  auto r = generic->Start({.callback_url = kCallback, .relay = "r"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::holds_alternative<UpstreamError>(*r));
}

TEST_F(OidcConnectorTest, ConcurrentLoginsShareTheCaches) {
  auto c = MakeOidc();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        auto start = c->Start({.callback_url = kCallback, .relay = "r"});
        if (!start.ok() || !std::holds_alternative<StartOutput>(*start)) continue;
        auto visit = admin_.Get(std::get<StartOutput>(*start).redirect_url);
        if (!visit.ok()) continue;
        auto location = json::parse(visit->body).as_object().at("location").as_string();
        auto r = c->Finish({.params = QueryOf(std::string(location)), .callback_url = kCallback,
                            .upstream_state = std::get<StartOutput>(*start).upstream_state});
        if (r.ok() && std::holds_alternative<Identity>(*r)) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 12);
  EXPECT_LE(Count("/jwks"), 4);
}

// --- GitHub ----------------------------------------------------------------------------------------

TEST_F(OidcConnectorTest, GithubSignsInWithTheNumericIdAndPrimaryVerifiedEmail) {
  Control({{"client_auth", "post"}});
  auto c = MakeGithub();
  const StartOutput s = MustStart(*c, "ada@example.com");
  EXPECT_TRUE(s.redirect_url.starts_with(Base() + "/login/oauth/authorize?")) << s.redirect_url;
  const QueryParams q = QueryOf(s.redirect_url);
  EXPECT_EQ(Param(q, "scope"), "read:user user:email");
  EXPECT_EQ(Param(q, "nonce"), "<missing>");
  EXPECT_EQ(Param(q, "login_hint"), "<missing>");
  EXPECT_EQ(Param(q, "code_challenge_method"), "S256");

  const Identity id = MustIdentity(Login(*c));
  EXPECT_EQ(id.subject, "12345");
  EXPECT_EQ(id.name, "The Octocat");
  EXPECT_EQ(id.email, "octo@example.com");
  EXPECT_TRUE(id.email_verified);
  EXPECT_EQ(Str(json::parse(id.raw_json).as_object(), "login"), "octocat");
  const json::object state = State();
  EXPECT_EQ(Str(state.at("last_token").as_object(), "accept"), "application/json");
  EXPECT_EQ(Str(state.at("last_api_headers").as_object(), "accept"), "application/vnd.github+json");
  EXPECT_EQ(Count("/.well-known/openid-configuration"), 0);
}

TEST_F(OidcConnectorTest, GithubPrimaryUnverifiedEmailIsNoEmail) {
  Control({{"github_emails", "primary_unverified"}, {"github_user_mode", "no_name"}});
  auto c = MakeGithub();
  const Identity id = MustIdentity(Login(*c));
  EXPECT_EQ(id.subject, "12345");
  EXPECT_EQ(id.email, "");  // not the verified non-primary one either
  EXPECT_FALSE(id.email_verified);
  EXPECT_EQ(id.name, "octocat");
}

TEST_F(OidcConnectorTest, GithubFailures) {
  auto c = MakeGithub();
  Control({{"github_token_mode", "error"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "failed_to_exchange_token");
  Control({{"github_token_mode", "ok"}, {"github_user_mode", "fail"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "user_info_retrieve_failed");
  Control({{"github_user_mode", "ok"}, {"github_emails", "fail"}});
  EXPECT_EQ(ErrorCode(Login(*c)), "user_info_retrieve_failed");
  Control({{"cancel", true}});
  EXPECT_EQ(ErrorCode(Login(*c)), "access_denied");
}

}  // namespace
}  // namespace gatehouse::connectors::sso
