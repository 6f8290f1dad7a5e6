// `gatehouse serve`: wires the store, keys and routes together and runs the HTTP server.
#include <boost/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "app/commands.h"
#include "app/data_dir.h"
#include "app/output.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/log.h"
#include "connectors/http/client.h"
#include "connectors/mail/mailer.h"
#include "common/url.h"
#include "crypto/random.h"
#include "http/router.h"
#include "http/server.h"
#include "crypto/aead.h"
#include "login/hosted.h"
#include "login/logout.h"
#include "oauth/authorize.h"
#include "oauth/backchannel.h"
#include "oauth/keys.h"
#include "connectors/sso/registry.h"
#include "crypto/x509.h"
#include "login/sso_config.h"
#include "oauth/metadata.h"
#include "oauth/token.h"
#include "oauth/transaction.h"
#include "web/render.h"

namespace gatehouse::app {
namespace {

// "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces is never implied: ":PORT" means loopback).
Status ParseListen(const std::string& listen, http::ServerOptions& out) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgumentError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return InvalidArgumentError("--listen port must be a number from 0 to 65535");
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(std::stoi(port));
  return Status::Ok();
}

Status ValidateIssuer(const std::string& issuer) {
  auto url = ParseHttpUrl(issuer);
  if (!url.ok()) return InvalidArgumentError("issuer " + issuer + ": " + url.error().message());
  if (issuer.back() == '/') return InvalidArgumentError("issuer must not end with '/'");
  if (!url->query.empty()) return InvalidArgumentError("issuer must not have a query");
  return Status::Ok();
}

// The transport of sign-in emails, or null when --smtp is unset.
Result<std::unique_ptr<connectors::mail::Mailer>> MakeMailer(const ServeOptions& o, Clock& clock, Random& random) {
  namespace mail = connectors::mail;
  if (o.smtp.empty()) return std::unique_ptr<mail::Mailer>();
  if (o.smtp == "log") {
    return mail::NewLogMailer([](std::string_view text) {
      static std::mutex mu;
      std::lock_guard lock(mu);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    });
  }
  mail::SmtpOptions options;
  options.url = o.smtp;
  options.from = o.smtp_from;
  options.username = o.smtp_username;
  options.password = o.smtp_password;
  options.ca_file = o.smtp_ca_file;
  if (o.smtp_starttls == "auto") options.starttls = mail::SmtpOptions::StartTls::kAuto;
  else if (o.smtp_starttls == "always") options.starttls = mail::SmtpOptions::StartTls::kAlways;
  else if (o.smtp_starttls == "never") options.starttls = mail::SmtpOptions::StartTls::kNever;
  else return InvalidArgumentError("--smtp-starttls must be auto, always or never");
  auto smtp = mail::NewSmtpMailer(options, clock, random);
  if (!smtp.ok()) return InvalidArgumentError("--smtp: " + smtp.error().message());
  return mail::NewRetryingMailer(std::move(smtp).value(), mail::RetryPolicy{},
                                 [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); });
}

// Email sign-in needs an environment-wide passwordless connection (its id is amr[0] of the
// tokens). A store that has none at all gets one, enabled; one that an operator disabled stays
// disabled.
Status EnsurePasswordlessConnection(store::Store& store, Random& random) {
  ASSIGN_OR_RETURN(auto connections, store.ListConnections(""));
  for (const auto& c : connections) {
    if (c.type == store::ConnectionType::kPasswordless) return Status::Ok();
  }
  const UnixSeconds now = SystemClock::Instance().NowSeconds();
  store::Connection c{.id = NewId(random, id_prefix::kConnection),
                      .organization_id = {},
                      .type = store::ConnectionType::kPasswordless,
                      .provider = "email",
                      .display_name = "Email",
                      .enabled = true,
                      .settings_json = "{}",
                      .created_at = now,
                      .updated_at = now};
  RETURN_IF_ERROR(store.CreateConnection(c));
  log::Info("passwordless connection created", {{"connection_id", std::string_view(c.id)}});
  return Status::Ok();
}

// The environment's SAML SP key and certificate: created on first start and kept in the store,
// sealed under the master key, so that every node signs with the same one and IdPs can pin it.
Result<connectors::sso::SamlServiceProviderKey> LoadSamlKey(store::Store& store, const std::string& master,
                                                            Random& random) {
  constexpr std::string_view kSetting = "saml_sp_key";
  ASSIGN_OR_RETURN(crypto::Aead aead, crypto::Aead::Create(crypto::DeriveKey(master, "gatehouse saml sp key v1")));
  auto stored = store.GetSetting(kSetting);
  if (!stored.ok() && stored.error().code() != StatusCode::kNotFound) return stored.error();
  if (!stored.ok()) {
    const UnixSeconds now = SystemClock::Instance().NowSeconds();
    ASSIGN_OR_RETURN(auto pair, crypto::GenerateSelfSignedRsa("Gatehouse SAML SP", 3650, now));
    boost::json::object o{{"key", pair.private_key_pem}, {"cert", pair.certificate_pem}};
    const std::string sealed = Base64UrlEncode(aead.Seal(boost::json::serialize(o), kSetting, random));
    // Another node may have made one at the same moment: the first stored wins.
    ASSIGN_OR_RETURN(bool put, store.PutSettingIfAbsent(kSetting, sealed));
    (void)put;
    ASSIGN_OR_RETURN(stored, store.GetSetting(kSetting));
  }
  auto bytes = Base64UrlDecode(*stored);
  if (!bytes) return DataLossError("the stored SAML key is not base64url");
  ASSIGN_OR_RETURN(std::string plain, aead.Open(*bytes, kSetting));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(plain, ec);
  if (ec || !v.is_object() || !v.as_object().contains("key") || !v.as_object().contains("cert")) {
    return DataLossError("the stored SAML key is malformed");
  }
  return connectors::sso::SamlServiceProviderKey{.private_key_pem = std::string(v.at("key").as_string()),
                                                 .certificate_pem = std::string(v.at("cert").as_string())};
}

// Runs `task` every `period` on its own thread until destroyed.
class Periodic {
 public:
  Periodic(std::chrono::milliseconds period, std::function<void()> task)
      : thread_([this, period, task = std::move(task)] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
            lock.unlock();
            task();
            lock.lock();
          }
        }) {}
  ~Periodic() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int RunServe(const ServeOptions& o) {
  log::Options log_options;
  if (!log::ParseLevel(o.log_level, &log_options.level)) return Fail("--log-level must be debug, info, warn, error or off");
  if (o.log_format == "text") log_options.format = log::Format::kText;
  else if (o.log_format != "json") return Fail("--log-format must be json or text");

  http::ServerOptions server_options;
  if (Status s = ParseListen(o.listen, server_options); !s.ok()) return Fail(s);
  server_options.threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (o.threads < 0 || o.threads > 256) return Fail("--threads must be between 1 and 256 (0: one per core)");
  server_options.tls_cert_file = o.tls_cert;
  server_options.tls_key_file = o.tls_key;
  server_options.access_log = o.access_log;
  if (o.max_connections < 1) return Fail("--max-connections must be at least 1");
  server_options.max_connections = o.max_connections;
  const std::int64_t request_timeout = ParseDurationMs(o.request_timeout);
  const std::int64_t idle_timeout = ParseDurationMs(o.idle_timeout);
  const std::int64_t rotation = ParseDurationMs(o.key_rotation_period);
  const std::int64_t retention = ParseDurationMs(o.key_retention);
  const std::int64_t refresh = ParseDurationMs(o.key_refresh_interval);
  if (request_timeout <= 0) return Fail("--request-timeout must be a positive duration (e.g. 10s)");
  const std::int64_t upstream_timeout = ParseDurationMs(o.upstream_timeout);
  if (upstream_timeout <= 0) return Fail("--upstream-timeout must be a positive duration (e.g. 10s)");
  if (idle_timeout <= 0) return Fail("--idle-timeout must be a positive duration (e.g. 60s)");
  if (rotation < 0) return Fail("--key-rotation-period must be a duration (e.g. 90d) or 0 for manual rotation");
  if (retention <= 0) return Fail("--key-retention must be a positive duration (e.g. 25h)");
  if (refresh <= 0) return Fail("--key-refresh-interval must be a positive duration (e.g. 10s)");
  server_options.request_timeout = std::chrono::milliseconds(request_timeout);
  server_options.idle_timeout = std::chrono::milliseconds(idle_timeout);
  auto alg = crypto::ParseJwsAlg(o.signing_alg);
  if (!alg) return Fail("--signing-alg must be RS256 or ES256");

  login::PasswordlessPolicy passwordless;
  if (o.passwordless_type == "LINK_OTP") passwordless.otp = passwordless.link = true;
  else if (o.passwordless_type == "OTP") passwordless.link = false;
  else if (o.passwordless_type == "LINK") passwordless.otp = false;
  else return Fail("--passwordless-type must be LINK_OTP, OTP or LINK");
  login::SessionPolicy sessions;
  const std::int64_t session_idle = ParseDurationMs(o.session_idle_timeout);
  const std::int64_t session_life = ParseDurationMs(o.session_lifetime);
  if (session_idle < 1000) return Fail("--session-idle-timeout must be a duration of at least 1s (e.g. 24h)");
  if (session_life < 1000) return Fail("--session-lifetime must be a duration of at least 1s (e.g. 7d)");
  sessions.idle_timeout = session_idle / 1000;
  sessions.lifetime = session_life / 1000;
  login::RateLimitPolicy limits;
  if (o.rate_limit_email < 1 || o.rate_limit_ip < 1 || o.rate_limit_verify_ip < 1) {
    return Fail("--rate-limit-email, --rate-limit-ip and --rate-limit-verify-ip must be at least 1");
  }
  limits.sends_per_email = o.rate_limit_email;
  limits.sends_per_ip = o.rate_limit_ip;
  limits.verifies_per_ip = o.rate_limit_verify_ip;

  oauth::TokenPolicy token_policy;
  {
    struct Lifetime {
      const char* flag;
      const std::string& value;
      UnixSeconds& out;
      std::int64_t min_ms;
    } lifetimes[] = {
        {"--access-token-lifetime", o.access_token_lifetime, token_policy.access_token_lifetime, 1000},
        {"--id-token-lifetime", o.id_token_lifetime, token_policy.id_token_lifetime, 1000},
        {"--refresh-token-lifetime", o.refresh_token_lifetime, token_policy.refresh_token_lifetime, 1000},
        {"--client-credentials-token-lifetime", o.client_credentials_token_lifetime,
         token_policy.client_credentials_lifetime, 1000},
        {"--refresh-reuse-grace", o.refresh_reuse_grace, token_policy.refresh_reuse_grace, 0},
    };
    for (auto& l : lifetimes) {
      const std::int64_t ms = ParseDurationMs(l.value);
      if (ms < l.min_ms) {
        return Fail(std::string(l.flag) + (l.min_ms > 0 ? " must be a duration of at least 1s (e.g. 5m)"
                                                        : " must be a duration (e.g. 10s, or 0s)"));
      }
      l.out = ms / 1000;
    }
    if (token_policy.refresh_reuse_grace > 60) return Fail("--refresh-reuse-grace must be at most 60s");
  }
  if (o.common.store_uri.empty()) {
    if (Status s = RequireDataDir(o.common.data_dir); !s.ok()) return Fail(s);
  }
  auto store = OpenDataStore(o.common.data_dir, o.common.store_uri, /*create=*/false);
  if (!store.ok()) return Fail(store.error());
  Random& random = crypto::SystemRandom::Instance();
  auto master = LoadMasterKey(o.common.data_dir, /*create=*/false, random);
  if (!master.ok()) return Fail(master.error());

  std::string issuer = o.issuer;
  if (issuer.empty()) {
    auto stored = (*store)->GetSetting("issuer");
    if (!stored.ok()) return Fail("no issuer recorded in the store; pass --issuer URL (or run gatehouse init)");
    issuer = *stored;
  }
  if (Status s = ValidateIssuer(issuer); !s.ok()) return Fail(s);

  oauth::KeyPolicy policy{.alg = *alg,
                          .rotation_period = std::chrono::seconds(rotation / 1000),
                          .retention = std::chrono::seconds(retention / 1000)};
  oauth::KeyManager keys(**store, *master, SystemClock::Instance(), random, policy);
  if (Status s = keys.EnsureKeys(); !s.ok()) return Fail(s);

  auto mailer = MakeMailer(o, SystemClock::Instance(), random);
  if (!mailer.ok()) return Fail(mailer.error());

  log::Init(log_options);
  if (o.smtp == "log") log::Warn("--smtp log prints sign-in codes and links to the console: development only");

  http::Router router;
  oauth::ServerMetadata metadata;
  metadata.issuer = issuer;
  metadata.id_token_signing_alg_values_supported = {std::string(crypto::JwsAlgName(*alg))};
  metadata.response_types_supported = {"code"};
  metadata.authorization_endpoint = "/oauth/authorize";
  metadata.response_modes_supported = {"query", "form_post"};
  metadata.scopes_supported.assign(std::begin(oauth::kSupportedScopes), std::end(oauth::kSupportedScopes));
  metadata.code_challenge_methods_supported = {"S256"};
  metadata.prompt_values_supported = {"none", "login", "consent", "select_account", "create"};
  metadata.authorization_response_iss_parameter_supported = true;
  metadata.token_endpoint = "/oauth/token";
  metadata.userinfo_endpoint = "/userinfo";
  metadata.revocation_endpoint = "/oauth/revoke";
  metadata.introspection_endpoint = "/oauth/introspect";
  metadata.end_session_endpoint = "/oidc/logout";
  metadata.grant_types_supported = {"authorization_code", "refresh_token", "client_credentials"};
  metadata.token_endpoint_auth_methods_supported = {"client_secret_post", "client_secret_basic"};
  metadata.backchannel_logout_supported = true;
  metadata.claims_supported = {"iss", "sub", "aud", "azp", "exp", "iat", "nbf", "auth_time", "nonce", "at_hash", "sid",
                               "oid", "amr", "email", "email_verified", "name"};
  oauth::MountMetadata(router, metadata, keys);

  oauth::TransactionSealer sealer(*master, SystemClock::Instance(), random);
  oauth::ClientCache clients(**store, SystemClock::Instance(), std::chrono::milliseconds(2000));
  oauth::ConnectionCache connections(**store, SystemClock::Instance(), std::chrono::milliseconds(2000));
  login::LoginDeps login_deps{.store = **store,
                              .sealer = sealer,
                              .csrf_key = crypto::DeriveKey(*master, "gatehouse csrf v1"),
                              .clock = SystemClock::Instance(),
                              .random = random,
                              .secure_cookies = issuer.starts_with("https://"),
                              .issuer = issuer,
                              .mailer = mailer->get(),
                              .passwordless_key = crypto::DeriveKey(*master, "gatehouse passwordless v1"),
                              .passwordless = passwordless,
                              .limits = limits,
                              .sessions = sessions,
                              .clients = &clients,
                              .connections = &connections};
  // Upstream identity providers: their own HTTP client (timeouts, CA), and the environment's
  // SAML signing key (made once, kept sealed in the store).
  connectors::http::ClientOptions upstream_options;
  upstream_options.timeout = std::chrono::milliseconds(upstream_timeout);
  upstream_options.connect_timeout = std::min(upstream_options.timeout, std::chrono::milliseconds(5000));
  upstream_options.ca_file = o.upstream_ca_file;
  connectors::http::HttpClient upstream_http(upstream_options);
  auto saml_key = LoadSamlKey(**store, *master, random);
  if (!saml_key.ok()) return Fail(saml_key.error());
  connectors::sso::Registry upstream(
      {.http = upstream_http, .clock = SystemClock::Instance(), .random = random, .base_url = issuer},
      std::move(saml_key).value());
  login_deps.connectors = &upstream;
  login_deps.connection_secrets_key = crypto::DeriveKey(*master, login::kConnectionSecretsPurpose);
  login_deps.sso_key = crypto::DeriveKey(*master, "gatehouse sso v1");
  login_deps.keys = &keys;
  oauth::AuthorizeDeps authorize_deps{**store, clients, sealer, issuer, login::MakeResume(login_deps)};
  oauth::MountAuthorize(router, authorize_deps);
  login::MountLogin(router, login_deps);
  oauth::TokenIssuer tokens(keys, issuer, SystemClock::Instance(), random, token_policy);
  oauth::TokenDeps token_deps{.store = **store,
                              .clients = clients,
                              .tokens = tokens,
                              .clock = SystemClock::Instance(),
                              .random = random,
                              .session_idle_timeout = sessions.idle_timeout};
  oauth::MountToken(router, token_deps);
  connectors::http::ClientOptions outbound;
  outbound.timeout = std::chrono::seconds(5);
  outbound.ca_file = o.backchannel_ca_file;
  connectors::http::HttpClient backchannel_http(outbound);
  oauth::BackchannelNotifier backchannel(
      tokens, **store, SystemClock::Instance(), [&backchannel_http](const std::string& url, const std::string& body) -> Result<int> {
        ASSIGN_OR_RETURN(auto response, backchannel_http.PostForm(url, body));
        return response.status;
      },
      // A POST in flight cannot be interrupted: let shutdown wait as long as one may take.
      oauth::BackchannelPolicy{.drain = outbound.timeout});
  login::MountLogout(router, login_deps, {.tokens = tokens, .backchannel = &backchannel});
  web::MountStatic(router);

  store::Store& st = **store;
  router.Add(http::Method::kGet, "/healthz", [](const http::Request&) {
    http::Response r = http::Response::Text(200, "ok\n");
    r.Set("Cache-Control", "no-store");
    return r;
  });
  router.Add(http::Method::kGet, "/readyz", [&st, &keys](const http::Request& req) {
    Status s = st.Ping();
    if (!s.ok()) {
      log::Warn("not ready: store unavailable", {{"request_id", req.request_id}, {"error", s.message()}});
      return http::Response::Text(503, "store unavailable\n");
    }
    if (!keys.Current() || !keys.Current()->signing) return http::Response::Text(503, "no signing key\n");
    http::Response r = http::Response::Text(200, "ready\n");
    r.Set("Cache-Control", "no-store");
    return r;
  });
  router.Add(http::Method::kGet, "/metrics", [&router](const http::Request&) {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = router.metrics().Render();
    r.Set("Cache-Control", "no-store");
    return r;
  });

  http::Server server(server_options, router);
  if (Status s = server.Listen(); !s.ok()) {
    log::Shutdown();
    return Fail(s);
  }
  // After Listen: a server that cannot start changes nothing in the store.
  if (Status s = EnsurePasswordlessConnection(**store, random); !s.ok()) {
    log::Shutdown();
    return Fail(s);
  }
  const bool tls = !o.tls_cert.empty();
  log::Info("gatehouse listening", {{"address", std::string_view(server_options.host)},
                                    {"port", static_cast<std::int64_t>(server.port())},
                                    {"issuer", std::string_view(issuer)},
                                    {"threads", static_cast<std::int64_t>(server_options.threads)},
                                    {"tls", tls},
                                    {"signing_kid", keys.Current()->signing->kid()}});
  {
    // Picks up key rotations by the CLI or other nodes, rotates on schedule, prunes old keys.
    Periodic maintenance(std::chrono::milliseconds(refresh), [&keys] {
      if (Status s = keys.Maintain(); !s.ok()) log::Error("key maintenance failed", {{"error", s.message()}});
    });
    // Ended sessions, used or expired codes and challenges, past rate-limit windows.
    Periodic expiry(std::chrono::seconds(60), [&st] {
      auto n = st.DeleteExpired(SystemClock::Instance().NowSeconds());
      if (!n.ok()) log::Error("expiry failed", {{"error", n.error().message()}});
    });
    server.Run();
  }
  log::Info("gatehouse stopped");
  log::Shutdown();
  return 0;
}

}  // namespace gatehouse::app
