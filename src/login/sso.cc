// The upstream leg of a login (sso.h): start, the IdPs' answers, and the end of the leg.
#include "login/sso.h"

#include <boost/json.hpp>

#include <optional>
#include <utility>
#include <variant>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/log.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "common/strings.h"
#include "common/url.h"
#include "connectors/sso/saml.h"
#include "login/csrf.h"
#include "login/linking.h"
#include "login/sso_config.h"
#include "login/views.h"
#include "oauth/authorize.h"

namespace gatehouse::login {
namespace {

namespace sso = connectors::sso;
using oauth::LoginTransaction;

constexpr std::size_t kRelayBytes = 32;    // 43 base64url characters: within SAML's 80
constexpr std::size_t kMaxRelay = 80;
constexpr UnixSeconds kIdpInitiatedLifetime = 300;  // the application's round trip back to us
constexpr std::string_view kBindingTag = "upstream login";
constexpr std::string_view kOidcCallbackPath = "/sso/oidc/callback";
constexpr std::string_view kAcsPrefix = "/sso/saml/acs/";
constexpr std::string_view kMetadataPrefix = "/sso/saml/metadata/";

std::string RelayHash(std::string_view relay) { return HexEncode(crypto::Sha256(relay)); }

// The params of a callback: every field, in order (the form parser already refused duplicates
// and oversized input).
std::vector<std::pair<std::string, std::string>> Params(const Form& form) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : form.fields()) out.emplace_back(name, value);
  return out;
}

// What a connection's step needs, loaded and checked.
struct Upstream {
  store::Connection connection;
  std::shared_ptr<const sso::Connector> connector;
  std::string callback_url;
};

class SsoHandlers {
 public:
  explicit SsoHandlers(const PageKit& kit) : kit_(kit), deps_(kit.deps()) {}

  http::Response Start(const http::Request& req) const;
  http::Response OidcCallback(const http::Request& req) const;
  http::Response SamlAcs(const http::Request& req) const;
  http::Response Continue(const http::Request& req) const;
  http::Response SamlMetadata(const http::Request& req) const;

 private:
  // A SAML answer without a leg: verified as unsolicited, then sent to the application's
  // initiate_login_uri with a signed idp_initiated_login token (wire/scalekit-compat.md §(a)).
  http::Response IdpInitiated(const http::Request& req, const Upstream& up, const Form& form) const;
  // The connection `id` with its connector, or the page to show instead.
  std::variant<Upstream, http::Response> LoadUpstream(const http::Request& req, std::string_view id,
                                                      std::string_view retry_token) const;
  // The browser-binding value of this browser (a new CSRF cookie when it has none).
  std::string Binding(std::string_view cookie) const {
    return CsrfToken(deps_.csrf_key, cookie, kBindingTag);
  }
  bool SameBrowser(const http::Request& req, std::string_view binding) const;
  // Takes the leg named by `relay`, or the page to show instead.
  std::variant<store::UpstreamLogin, http::Response> TakeLeg(const http::Request& req, std::string_view relay) const;
  struct OpenedLeg {
    store::UpstreamLogin leg;
    LoginTransaction tx;
  };
  // TakeLeg, then the browser binding and the transaction: what a browser coming back from the
  // IdP (or from the ACS) presents.
  std::variant<OpenedLeg, http::Response> OpenLeg(const http::Request& req, std::string_view relay) const;
  // The end of a leg: the application gets an error, or the user signs in.
  http::Response Complete(const http::Request& req, LoginTransaction tx, const store::Connection& connection,
                          const sso::Outcome& outcome) const;
  http::Response ErrorRedirect(const LoginTransaction& tx, std::string_view code, std::string_view description) const;
  // False when `identity` is an answer to be accepted once (a SAML assertion) that was seen
  // before (per connection).
  Result<bool> FirstUse(std::string_view connection_id, const sso::Identity& identity) const;
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

  const PageKit& kit_;
  const LoginDeps& deps_;
};

http::Response Expired(const PageKit& kit, const http::Request& req) {
  return kit.Error(req, 400, "Sign-in expired",
                   "This sign-in has expired or was already completed. Go back to the application and start again.");
}

std::variant<Upstream, http::Response> SsoHandlers::LoadUpstream(const http::Request& req, std::string_view id,
                                                                 std::string_view retry_token) const {
  const std::string retry = retry_token.empty() ? std::string() : LoginUrl(retry_token);
  auto unavailable = [&] {
    return kit_.Error(req, 400, "Sign-in method not available", "This way of signing in is not available. Choose another.",
                      retry);
  };
  if (id.size() > kMaxConnectionId || !IsWellFormedId(id, id_prefix::kConnection)) return unavailable();
  auto connection = deps_.store.GetConnection(id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return unavailable();
    return kit_.Internal(req, connection.error());
  }
  if (!connection->enabled || connection->type == store::ConnectionType::kPasswordless) return unavailable();
  auto not_set_up = [&] {
    return kit_.Error(req, 503, "Sign-in method not set up",
                      "This way of signing in has not been set up yet. Choose another, or ask your administrator.",
                      retry);
  };
  if (deps_.connectors == nullptr) return not_set_up();
  auto config = ToConnectorConfig(*connection, deps_.connection_secrets_key);
  if (!config.ok()) return kit_.Internal(req, config.error());
  if (config->settings_json == "{}" && config->client_secret.empty()) return not_set_up();
  auto connector = deps_.connectors->Get(*config);
  if (!connector.ok()) return kit_.Internal(req, connector.error());
  Upstream up{.connection = std::move(connection).value(), .connector = std::move(connector).value(), .callback_url = {}};
  up.callback_url = deps_.issuer + (up.connection.type == store::ConnectionType::kSaml
                                        ? std::string(kAcsPrefix) + up.connection.id
                                        : std::string(kOidcCallbackPath));
  return up;
}

Result<bool> SsoHandlers::FirstUse(std::string_view connection_id, const sso::Identity& identity) const {
  if (identity.single_use_key.empty()) return true;
  const UnixSeconds now = deps_.clock.NowSeconds();
  return deps_.store.UseOnce(RelayHash(std::string(connection_id) + '\n' + identity.single_use_key),
                             std::max(identity.single_use_until, now + 1), now);
}

Result<std::string> SsoHandlers::Seal(std::string_view plaintext, std::string_view aad) const {
  ASSIGN_OR_RETURN(crypto::Aead aead, crypto::Aead::Create(deps_.sso_key));
  return Base64UrlEncode(aead.Seal(plaintext, aad, deps_.random));
}

Result<std::string> SsoHandlers::Open(std::string_view sealed, std::string_view aad) const {
  auto bytes = Base64UrlDecode(sealed);
  if (!bytes) return DataLossError("sealed upstream state is not base64url");
  ASSIGN_OR_RETURN(crypto::Aead aead, crypto::Aead::Create(deps_.sso_key));
  return aead.Open(*bytes, aad);
}

bool SsoHandlers::SameBrowser(const http::Request& req, std::string_view binding) const {
  bool ok = false;
  for (const std::string& cookie : CsrfCookieValues(req, deps_.secure_cookies)) {
    ok = crypto::ConstantTimeEqual(Binding(cookie), binding) || ok;  // no early exit
  }
  return ok;
}

http::Response SsoHandlers::Start(const http::Request& req) const {
  auto opened = kit_.OpenQuery(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  TxQuery& q = std::get<TxQuery>(opened);
  if (q.tx.connection_id.empty()) {
    return kit_.Error(req, 400, "No sign-in method chosen", "Choose a way to sign in first.", LoginUrl(q.token));
  }
  auto loaded = LoadUpstream(req, q.tx.connection_id, q.token);
  if (auto* r = std::get_if<http::Response>(&loaded)) return std::move(*r);
  Upstream& up = std::get<Upstream>(loaded);

  const std::string relay = Base64UrlEncode(deps_.random.Bytes(kRelayBytes));
  const std::string relay_hash = RelayHash(relay);
  auto started = up.connector->Start({.callback_url = up.callback_url, .relay = relay, .login_hint = q.tx.login_hint});
  if (!started.ok()) return kit_.Internal(req, started.error());
  if (auto* failed = std::get_if<sso::UpstreamError>(&*started)) {
    log::Warn("upstream login could not start", {{"request_id", req.request_id},
                                                 {"connection_id", std::string_view(up.connection.id)},
                                                 {"error", std::string_view(failed->code)}});
    return ErrorRedirect(q.tx, failed->code, failed->description);
  }
  sso::StartOutput& out = std::get<sso::StartOutput>(*started);

  // The binding: this browser's CSRF cookie (set now when it has none).
  std::vector<std::string> cookies = CsrfCookieValues(req, deps_.secure_cookies);
  std::string set_cookie;
  std::string cookie;
  if (cookies.empty()) {
    cookie = NewCsrfCookieValue(deps_.random);
    set_cookie = CsrfSetCookie(cookie, deps_.secure_cookies);
  } else {
    cookie = std::move(cookies.front());
  }
  auto sealed_state = Seal(out.upstream_state, relay_hash);
  if (!sealed_state.ok()) return kit_.Internal(req, sealed_state.error());
  const UnixSeconds now = deps_.clock.NowSeconds();
  Status put = deps_.store.PutUpstreamLogin({.relay_hash = relay_hash,
                                             .connection_id = up.connection.id,
                                             .transaction_token = q.token,
                                             .upstream_state = std::move(sealed_state).value(),
                                             .browser_hash = Binding(cookie),
                                             .created_at = now,
                                             .expires_at = q.tx.expires_at});
  if (!put.ok()) return kit_.Internal(req, put);
  http::Response r = http::Response::Redirect(std::move(out.redirect_url), 302);
  r.Set("Cache-Control", "no-store");
  r.Set("Referrer-Policy", "no-referrer");
  if (!set_cookie.empty()) r.Set("Set-Cookie", std::move(set_cookie));
  return r;
}

std::variant<store::UpstreamLogin, http::Response> SsoHandlers::TakeLeg(const http::Request& req,
                                                                       std::string_view relay) const {
  if (relay.empty() || relay.size() > kMaxRelay) return Expired(kit_, req);
  auto leg = deps_.store.TakeUpstreamLogin(RelayHash(relay), deps_.clock.NowSeconds());
  if (!leg.ok()) {
    if (leg.error().code() == StatusCode::kNotFound) return Expired(kit_, req);
    return kit_.Internal(req, leg.error());
  }
  return std::move(leg).value();
}

std::variant<SsoHandlers::OpenedLeg, http::Response> SsoHandlers::OpenLeg(const http::Request& req,
                                                                          std::string_view relay) const {
  auto taken = TakeLeg(req, relay);
  if (auto* r = std::get_if<http::Response>(&taken)) return std::move(*r);
  store::UpstreamLogin& leg = std::get<store::UpstreamLogin>(taken);
  if (!SameBrowser(req, leg.browser_hash)) {
    return kit_.Error(req, 400, "Sign-in started elsewhere",
                      "This sign-in was started in another browser. Start again from the application.");
  }
  auto tx = deps_.sealer.Open(leg.transaction_token);
  if (!tx.ok()) return Expired(kit_, req);
  return OpenedLeg{std::move(leg), std::move(tx).value()};
}

http::Response SsoHandlers::OidcCallback(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return kit_.BadForm(req);
  auto opened = OpenLeg(req, query->Get("state"));
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  auto& [leg, tx] = std::get<OpenedLeg>(opened);
  auto loaded = LoadUpstream(req, leg.connection_id, {});
  if (auto* r = std::get_if<http::Response>(&loaded)) return std::move(*r);
  Upstream& up = std::get<Upstream>(loaded);
  if (up.connection.type == store::ConnectionType::kSaml) return Expired(kit_, req);
  auto state = Open(leg.upstream_state, leg.relay_hash);
  if (!state.ok()) return kit_.Internal(req, state.error());
  auto outcome = up.connector->Finish(
      {.params = Params(*query), .callback_url = up.callback_url, .upstream_state = std::move(state).value()});
  if (!outcome.ok()) return kit_.Internal(req, outcome.error());
  return Complete(req, std::move(tx), up.connection, *outcome);
}

http::Response SsoHandlers::ErrorRedirect(const LoginTransaction& tx, std::string_view code,
                                          std::string_view description) const {
  std::vector<std::pair<std::string, std::string>> params = {{"error", std::string(code)},
                                                             {"error_description", std::string(description)}};
  if (!tx.state.empty()) params.emplace_back("state", tx.state);
  params.emplace_back("iss", deps_.issuer);
  return oauth::AuthorizationResponse(tx.redirect_uri, tx.response_mode, params);
}

http::Response SsoHandlers::Complete(const http::Request& req, LoginTransaction tx, const store::Connection& connection,
                                     const sso::Outcome& outcome) const {
  auto refuse = [&](const sso::UpstreamError& error) {
    log::Warn("upstream login refused", {{"request_id", req.request_id},
                                         {"connection_id", std::string_view(connection.id)},
                                         {"error", std::string_view(error.code)},
                                         {"description", std::string_view(error.description)}});
    return ErrorRedirect(tx, error.code, error.description);
  };
  if (const auto* failed = std::get_if<sso::UpstreamError>(&outcome)) return refuse(*failed);
  const sso::Identity& identity = std::get<sso::Identity>(outcome);
  auto first = FirstUse(connection.id, identity);
  if (!first.ok()) return kit_.Internal(req, first.error());
  if (!*first) return refuse({std::string(sso::upstream_error::kInvalidSamlResponse), "the assertion was used before"});
  auto resolved = ResolveUser(deps_, connection, identity);
  if (!resolved.ok()) return kit_.Internal(req, resolved.error());
  if (const auto* refused = std::get_if<sso::UpstreamError>(&*resolved)) return refuse(*refused);
  // An SSO login is for the connection's organization.
  if (!connection.organization_id.empty()) tx.organization_id = connection.organization_id;
  const std::string_view method = connection.type == store::ConnectionType::kOAuth ? "social" : "sso";
  auto signed_in = kit_.SignIn(req, tx, std::get<store::User>(*resolved), connection.id, method);
  if (!signed_in.ok()) return kit_.CompletionFailure(req, signed_in.error());
  return std::move(signed_in).value();
}

}  // namespace

namespace {

// The outcome of a SAML answer, between the ACS and /sso/continue (sealed in the store).
std::string OutcomeJson(const sso::Outcome& outcome) {
  boost::json::object o;
  if (const auto* e = std::get_if<sso::UpstreamError>(&outcome)) {
    o["error"] = e->code;
    o["description"] = e->description;
    return boost::json::serialize(o);
  }
  const auto& id = std::get<sso::Identity>(outcome);
  o["subject"] = id.subject;
  o["email"] = id.email;
  o["email_verified"] = id.email_verified;
  o["name"] = id.name;
  o["given_name"] = id.given_name;
  o["family_name"] = id.family_name;
  boost::json::array groups;
  for (const auto& g : id.groups) groups.emplace_back(g);
  o["groups"] = std::move(groups);
  o["single_use_key"] = id.single_use_key;
  o["single_use_until"] = id.single_use_until;
  return boost::json::serialize(o);
}

Result<sso::Outcome> OutcomeFromJson(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return DataLossError("sealed outcome is not a JSON object");
  const auto& o = v.as_object();
  auto str = [&o](std::string_view k) -> std::string {
    const auto* m = o.if_contains(k);
    return m != nullptr && m->is_string() ? std::string(m->as_string()) : std::string();
  };
  if (o.contains("error")) return sso::Outcome(sso::UpstreamError{str("error"), str("description")});
  sso::Identity id;
  id.subject = str("subject");
  id.email = str("email");
  const auto* verified = o.if_contains("email_verified");
  id.email_verified = verified != nullptr && verified->is_bool() && verified->as_bool();
  id.name = str("name");
  id.given_name = str("given_name");
  id.family_name = str("family_name");
  if (const auto* g = o.if_contains("groups"); g != nullptr && g->is_array()) {
    for (const auto& e : g->as_array()) {
      if (e.is_string()) id.groups.emplace_back(e.as_string());
    }
  }
  id.single_use_key = str("single_use_key");
  if (const auto* u = o.if_contains("single_use_until"); u != nullptr && u->is_int64()) id.single_use_until = u->as_int64();
  return sso::Outcome(std::move(id));
}

}  // namespace

namespace {

http::Response SsoHandlers::SamlAcs(const http::Request& req) const {
  auto opened = kit_.OpenForm(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Form& form = std::get<Form>(opened);
  const std::string connection_id(std::string_view(req.path).substr(kAcsPrefix.size()));
  auto loaded = LoadUpstream(req, connection_id, {});
  if (auto* r = std::get_if<http::Response>(&loaded)) return std::move(*r);
  Upstream& up = std::get<Upstream>(loaded);
  if (up.connection.type != store::ConnectionType::kSaml) {
    return kit_.Error(req, 404, "Not found", "There is no SAML connection here.");
  }
  const std::string_view relay = form.Get("RelayState");
  auto leg = relay.empty() || relay.size() > kMaxRelay
                 ? Result<store::UpstreamLogin>(NotFoundError("no relay state"))
                 : deps_.store.TakeUpstreamLogin(RelayHash(relay), deps_.clock.NowSeconds());
  if (!leg.ok() && leg.error().code() != StatusCode::kNotFound) return kit_.Internal(req, leg.error());
  if (!leg.ok()) return IdpInitiated(req, up, form);
  if (leg->connection_id != up.connection.id) return Expired(kit_, req);
  auto state = Open(leg->upstream_state, leg->relay_hash);
  if (!state.ok()) return kit_.Internal(req, state.error());
  auto outcome = up.connector->Finish(
      {.params = Params(form), .callback_url = up.callback_url, .upstream_state = std::move(state).value()});
  if (!outcome.ok()) return kit_.Internal(req, outcome.error());

  // The second leg: the outcome, sealed, for the browser to collect with its cookie.
  const std::string next = Base64UrlEncode(deps_.random.Bytes(kRelayBytes));
  const std::string next_hash = RelayHash(next);
  auto sealed = Seal(OutcomeJson(*outcome), next_hash);
  if (!sealed.ok()) return kit_.Internal(req, sealed.error());
  Status put = deps_.store.PutUpstreamLogin({.relay_hash = next_hash,
                                             .connection_id = up.connection.id,
                                             .transaction_token = leg->transaction_token,
                                             .upstream_state = std::move(sealed).value(),
                                             .browser_hash = leg->browser_hash,
                                             .created_at = deps_.clock.NowSeconds(),
                                             .expires_at = leg->expires_at});
  if (!put.ok()) return kit_.Internal(req, put);
  return ContinuePage("/sso/continue?r=" + next);
}

http::Response SsoHandlers::IdpInitiated(const http::Request& req, const Upstream& up, const Form& form) const {
  auto refused = [&](std::string_view why) {
    log::Warn("idp-initiated login refused", {{"request_id", req.request_id},
                                              {"connection_id", std::string_view(up.connection.id)},
                                              {"error", why}});
    return kit_.Error(req, 400, "Sign-in not accepted",
                      "Gatehouse could not accept this sign-in from your identity provider. Open the application and "
                      "sign in from there.");
  };
  const std::string initiate = InitiateLoginUri(up.connection);
  if (initiate.empty() || deps_.keys == nullptr) return refused("the connection takes no IdP-initiated logins");
  auto outcome = up.connector->Finish({.params = Params(form), .callback_url = up.callback_url, .upstream_state = {}});
  if (!outcome.ok()) return kit_.Internal(req, outcome.error());
  if (const auto* e = std::get_if<sso::UpstreamError>(&*outcome)) return refused(e->code);
  const sso::Identity& identity = std::get<sso::Identity>(*outcome);
  auto first = FirstUse(up.connection.id, identity);
  if (!first.ok()) return kit_.Internal(req, first.error());
  if (!*first) return refused("the assertion was used before");
  const UnixSeconds now = deps_.clock.NowSeconds();
  auto keys = deps_.keys->Current();
  if (!keys || !keys->signing) return kit_.Internal(req, UnavailableError("no signing key"));
  // The application starts an ordinary login from these (it trusts nothing else in them).
  boost::json::object claims{{"iss", deps_.issuer},
                             {"iat", now},
                             {"nbf", now},
                             {"exp", now + kIdpInitiatedLifetime},
                             {"jti", Base64UrlEncode(deps_.random.Bytes(16))},
                             {"connection_id", up.connection.id},
                             {"organization_id", up.connection.organization_id}};
  if (auto email = ValidateEmail(identity.email)) claims["login_hint"] = AsciiLower(*email);
  const std::string_view relay = form.Get("RelayState");
  if (!relay.empty() && relay.size() <= kMaxRelay) claims["relay_state"] = relay;
  auto token = crypto::SignJwt(*keys->signing, claims);
  if (!token.ok()) return kit_.Internal(req, token.error());
  log::Info("idp-initiated login", {{"request_id", req.request_id}, {"connection_id", std::string_view(up.connection.id)}});
  return ContinuePage(AppendQuery(initiate, {{"idp_initiated_login", *token}}));
}

http::Response SsoHandlers::Continue(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return kit_.BadForm(req);
  auto opened = OpenLeg(req, query->Get("r"));
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  auto& [leg, tx] = std::get<OpenedLeg>(opened);
  auto connection = deps_.store.GetConnection(leg.connection_id);
  if (!connection.ok()) return kit_.Failure(req, connection.error());
  auto plain = Open(leg.upstream_state, leg.relay_hash);
  if (!plain.ok()) return kit_.Internal(req, plain.error());
  auto outcome = OutcomeFromJson(*plain);
  if (!outcome.ok()) return kit_.Internal(req, outcome.error());
  return Complete(req, std::move(tx), *connection, *outcome);
}

http::Response SsoHandlers::SamlMetadata(const http::Request& req) const {
  const std::string connection_id(std::string_view(req.path).substr(kMetadataPrefix.size()));
  auto not_found = [] { return http::Response::Text(404, "no such SAML connection\n"); };
  if (deps_.connectors == nullptr || !IsWellFormedId(connection_id, id_prefix::kConnection)) return not_found();
  auto connection = deps_.store.GetConnection(connection_id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return not_found();
    return kit_.Internal(req, connection.error());
  }
  if (connection->type != store::ConnectionType::kSaml || !IsConfigured(*connection)) return not_found();
  auto config = ToConnectorConfig(*connection, deps_.connection_secrets_key);
  if (!config.ok()) return kit_.Internal(req, config.error());
  auto saml = deps_.connectors->GetSaml(*config);
  if (!saml.ok()) return kit_.Internal(req, saml.error());
  auto xml = (*saml)->Metadata();
  if (!xml.ok()) return kit_.Internal(req, xml.error());
  http::Response r;
  r.status = 200;
  r.content_type = "application/samlmetadata+xml";
  r.body = std::move(xml).value();
  return r;
}

}  // namespace

void MountSso(http::Router& router, const std::shared_ptr<const PageKit>& kit) {
  auto h = std::make_shared<const SsoHandlers>(*kit);
  // Each handler may wait on an IdP (discovery, token exchange, JWKS): off the event loops.
  // The routes that may call an IdP run on the upstream lane: IdPs that hang fill its pool, not
  // the one that sends sign-in emails.
  constexpr auto kUpstream = http::Router::Lane::kUpstream;
  router.AddBlocking(
      http::Method::kGet, "/login/sso", [kit, h](const http::Request& r) { return h->Start(r); }, kUpstream);
  router.AddBlocking(
      http::Method::kGet, std::string(kOidcCallbackPath),
      [kit, h](const http::Request& r) { return h->OidcCallback(r); }, kUpstream);
  router.AddPrefixBlocking(
      http::Method::kPost, std::string(kAcsPrefix), [kit, h](const http::Request& r) { return h->SamlAcs(r); },
      kUpstream);
  // A SAML response with many attributes or groups outgrows the server's default body limit; the
  // connector's own cap is the one that should answer, with its error code.
  router.SetPrefixBodyLimit(std::string(kAcsPrefix), sso::kMaxAcsFormBytes);
  router.Add(http::Method::kGet, "/sso/continue", [kit, h](const http::Request& r) { return h->Continue(r); });
  router.AddPrefix(http::Method::kGet, std::string(kMetadataPrefix),
                   [kit, h](const http::Request& r) { return h->SamlMetadata(r); });
}

}  // namespace gatehouse::login
