// The hosted pages' test fixture (login_test only): an in-memory store with a client,
// organizations, a domain and connections; the routes of MountLogin; a browser's requests.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/url.h"
#include "connectors/mail/mailer.h"
#include "login/csrf.h"
#include "login/hosted.h"

namespace gatehouse::login::testing {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kHostile = "<script>alert(1)</script>\"'";
constexpr std::string_view kHostileEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&apos;";
constexpr std::string_view kInvalidTx =
    "This sign-in link is invalid or has expired. Go back to the application and try again.";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

using Headers = std::vector<std::pair<std::string, std::string>>;

inline std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// The value attribute of the first input named `name` (values here are base64url: no entities).
inline std::string FieldValue(const std::string& html, std::string_view name) {
  const std::string marker = "name=\"" + std::string(name) + "\" value=\"";
  std::size_t at = html.find(marker);
  if (at == std::string::npos) return {};
  at += marker.size();
  return html.substr(at, html.find('"', at) - at);
}

inline std::string Encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return out;
}

// The hosted pages' headers. `form_action` is 'self' for pages whose forms stay on Gatehouse,
// and 'self' plus the client's origin for those that end in a redirect to the client.
inline void ExpectSecurityHeaders(const http::Response& r, std::string_view form_action = "'self'") {
  EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"),
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action " + std::string(form_action) +
                "; frame-ancestors 'none'; base-uri 'none'");
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(r, "Cross-Origin-Opener-Policy"), "same-origin");
}

// Records what would have been sent; fails on demand (a transient error, as SMTP would).
class RecordingMailer final : public connectors::mail::Mailer {
 public:
  Status Send(const connectors::mail::Message& message) override {
    std::lock_guard lock(mu_);
    if (fail_) return UnavailableError("mail server down");
    sent_.push_back(message);
    return Status::Ok();
  }
  void SetFailing(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }
  std::vector<connectors::mail::Message> Sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  bool fail_ = false;
  std::vector<connectors::mail::Message> sent_;
};

// The hosted pages mounted on a router over an in-memory store, with a fake clock and
// randomness, driven as a browser would drive them.
class LoginFixture : public ::testing::Test {
 protected:
  static constexpr const char* kClient = "skc_app1";
  static constexpr const char* kOrg = "org_acme";
  static constexpr const char* kOrgSso = "conn_acmesso";
  static constexpr const char* kOtherOrg = "org_other";
  static constexpr const char* kOtherSso = "conn_othersso";
  static constexpr const char* kGoogle = "conn_google";
  static constexpr const char* kGithub = "conn_github";  // disabled
  static constexpr const char* kPasswordless = "conn_email";

  void SetUp() override {
    auto opened = store::OpenStore("sqlite::memory:", {.create_if_missing = true});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    const UnixSeconds now = clock_.NowSeconds();
    store::Client client;
    client.id = kClient;
    client.name = "Acme App";
    client.secret_hash = "h";
    client.redirect_uris = {"https://app.example/cb"};
    client.created_at = client.updated_at = now;
    ASSERT_TRUE(store_->CreateClient(client).ok());
    AddOrganization(kOrg, "Acme Corp");
    AddOrganization(kOtherOrg, "Other");
    store::Domain domain;
    domain.id = "dom_acme";
    domain.organization_id = kOrg;
    domain.domain = "acme.com";
    domain.created_at = now;
    ASSERT_TRUE(store_->CreateDomain(domain).ok());
    AddConnection(kOrgSso, kOrg, store::ConnectionType::kOidc, "okta", "Acme Okta", true);
    AddConnection(kOtherSso, kOtherOrg, store::ConnectionType::kSaml, "custom", "", true);
    AddConnection(kGoogle, "", store::ConnectionType::kOAuth, "google", "", true);
    AddConnection(kGithub, "", store::ConnectionType::kOAuth, "github", "", false);
    AddConnection(kPasswordless, "", store::ConnectionType::kPasswordless, "email", "", true);
    Mount(true);
  }

  void AddOrganization(std::string id, std::string name) {
    store::Organization org;
    org.id = std::move(id);
    org.display_name = std::move(name);
    org.created_at = org.updated_at = clock_.NowSeconds();
    ASSERT_TRUE(store_->CreateOrganization(org).ok()) << org.id;
  }

  void AddConnection(std::string id, std::string org, store::ConnectionType type, std::string provider,
                     std::string display_name, bool enabled) {
    store::Connection c;
    c.id = std::move(id);
    c.organization_id = std::move(org);
    c.type = type;
    c.provider = std::move(provider);
    c.display_name = std::move(display_name);
    c.enabled = enabled;
    c.settings_json = "{}";
    c.created_at = c.updated_at = clock_.NowSeconds();
    ASSERT_TRUE(store_->CreateConnection(c).ok()) << c.id;
  }

  void Mount(bool secure) {
    secure_ = secure;
    router_ = std::make_unique<http::Router>();
    deps_ = std::make_unique<LoginDeps>(LoginDeps{.store = *store_,
                                                  .sealer = sealer_,
                                                  .csrf_key = csrf_key_,
                                                  .clock = clock_,
                                                  .random = random_,
                                                  .secure_cookies = secure,
                                                  .issuer = std::string(kIssuer),
                                                  .mailer = &mailer_,
                                                  .passwordless_key = std::string(32, 'p'),
                                                  .passwordless = passwordless_,
                                                  .limits = limits_,
                                                  .sessions = sessions_});
    MountLogin(*router_, *deps_);
  }

  oauth::LoginTransaction BaseTx() const {
    oauth::LoginTransaction tx;
    tx.client_id = kClient;
    tx.redirect_uri = "https://app.example/cb";
    tx.scopes = {"openid", "email"};
    tx.state = "st";
    return tx;
  }
  // Seals a copy; use sealer_.Seal(tx) where the test needs the id it assigns.
  std::string Seal(oauth::LoginTransaction tx) { return sealer_.Seal(tx); }
  oauth::LoginTransaction OpenToken(std::string_view token) {
    auto tx = sealer_.Open(token);
    EXPECT_TRUE(tx.ok()) << tx.status().ToString();
    return tx.ok() ? *tx : oauth::LoginTransaction{};
  }

  http::Response Send(http::Method method, std::string target, std::string body = "", Headers headers = {}) {
    http::Request req;
    req.method = method;
    const std::size_t q = target.find('?');
    req.path = target.substr(0, q);
    std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    req.query = query;
    req.body = body;
    for (const auto& [k, v] : headers) req.headers.push_back({k, v});
    req.request_id = "req-42";
    req.remote_address = remote_address_;
    return router_->Dispatch(req).response;
  }
  http::Response Get(std::string target, Headers headers = {}) {
    return Send(http::Method::kGet, std::move(target), "", std::move(headers));
  }
  http::Response Post(std::string path, const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::string& cookie, std::string content_type = std::string(kFormType)) {
    Headers headers;
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    if (!cookie.empty()) headers.emplace_back("Cookie", std::string(CsrfCookieName(secure_)) + "=" + cookie);
    return Send(http::Method::kPost, std::move(path), Encode(fields), std::move(headers));
  }

  // Opens the login page as a browser would: the cookie it sets and the form's token.
  struct Browser {
    std::string cookie;
    std::string csrf;
  };
  Browser Visit(const std::string& token) {
    http::Response r = Get("/login?tx=" + token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::string set_cookie = HeaderOf(r, "Set-Cookie");
    std::size_t eq = set_cookie.find('=');
    Browser b;
    b.cookie = set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
    b.csrf = FieldValue(r.body, "csrf");
    return b;
  }
  http::Response SubmitEmail(const std::string& token, std::string email) {
    Browser b = Visit(token);
    return Post("/login/email", {{"tx", token}, {"csrf", b.csrf}, {"email", std::move(email)}}, b.cookie);
  }
  // "/login/connection?tx=NEW" -> NEW
  static std::string TokenOf(const std::string& location) { return location.substr(location.find("tx=") + 3); }

  static constexpr std::string_view kIssuer = "https://auth.example";

  FakeClock clock_;
  FakeRandom random_{3};
  const std::string master_ = std::string(32, 'm');
  const std::string csrf_key_ = std::string(32, 'c');
  oauth::TransactionSealer sealer_{master_, clock_, random_};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::Router> router_;
  bool secure_ = true;
  std::string remote_address_ = "192.0.2.1";
  RecordingMailer mailer_;
  PasswordlessPolicy passwordless_;
  RateLimitPolicy limits_;
  SessionPolicy sessions_;
  std::unique_ptr<LoginDeps> deps_;
};

}  // namespace gatehouse::login::testing
