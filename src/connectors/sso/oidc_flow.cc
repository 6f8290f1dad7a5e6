// The OpenID Connect leg (oidc.h): discovery, the authorization URL with PKCE and a nonce, the
// code exchange, ID token verification against the IdP's JWKS, and the userinfo fallback.
#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>

#include <boost/json/serialize.hpp>

#include "common/encoding.h"
#include "common/url.h"
#include "connectors/sso/oidc_internal.h"
#include "crypto/hash.h"
#include "crypto/jwk.h"
#include "crypto/jwt.h"

namespace gatehouse::connectors::sso::oidc_internal {
namespace {

namespace json = boost::json;
using StartResult = std::variant<StartOutput, UpstreamError>;

constexpr UnixSeconds kCacheSeconds = 3600;       // discovery documents and JWKS
constexpr UnixSeconds kJwksRefetchSeconds = 60;   // unknown kid: at most one refetch a minute
constexpr UnixSeconds kLeewaySeconds = 60;
constexpr std::size_t kMaxKeys = 32;
constexpr std::size_t kMaxGroups = 256;
constexpr crypto::JwsAlg kAllowedAlgs[] = {crypto::JwsAlg::kRS256, crypto::JwsAlg::kES256};
constexpr std::string_view kTenantPlaceholder = "{tenantid}";

struct Discovery {
  std::string issuer;  // as published; may hold {tenantid} (the Microsoft preset)
  bool tenant_template = false;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;  // may be empty
  std::string jwks_uri;
  UnixSeconds fetched_at = 0;
};

struct Jwks {
  std::vector<crypto::VerificationKey> keys;
  UnixSeconds fetched_at = 0;
};

// The ID token header's kid (empty when absent or unreadable: VerifyJwt judges those).
std::string HeaderKid(std::string_view token) {
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) return "";
  std::optional<std::string> header = Base64UrlDecode(token.substr(0, dot));
  if (!header) return "";
  std::optional<json::object> o = ParseJsonObject(*header);
  if (!o) return "";
  return StringMember(*o, "kid").value_or("");
}

bool EmailVerifiedClaim(const json::value* v) {
  if (v == nullptr) return false;
  if (v->is_bool()) return v->get_bool();
  return v->is_string() && v->get_string() == "true";  // some IdPs send a string
}

std::vector<std::string> GroupsClaim(const json::value* v) {
  std::vector<std::string> groups;
  if (v == nullptr) return groups;
  if (v->is_string()) {
    groups.emplace_back(v->get_string());
  } else if (v->is_array()) {
    for (const json::value& g : v->get_array()) {
      if (groups.size() >= kMaxGroups) break;
      if (g.is_string()) groups.emplace_back(g.get_string());
    }
  }
  return groups;
}

class OidcConnector final : public Connector {
 public:
  OidcConnector(const ConnectorContext& context, Settings settings)
      : context_(context), settings_(std::move(settings)) {}

  Result<std::variant<StartOutput, UpstreamError>> Start(const StartInput& input) const override {
    std::shared_ptr<const Discovery> d = GetDiscovery();
    if (!d) return StartResult(Unreachable());
    const std::string nonce = Base64UrlEncode(context_.random.Bytes(32));
    const Pkce pkce = MakePkce(context_.random);
    QueryParams params = {{"response_type", "code"},
                          {"client_id", settings_.client_id},
                          {"redirect_uri", input.callback_url},
                          {"scope", settings_.scope},
                          {"state", input.relay},
                          {"nonce", nonce},
                          {"code_challenge", pkce.challenge},
                          {"code_challenge_method", "S256"}};
    if (!input.login_hint.empty()) params.emplace_back("login_hint", input.login_hint);
    StartOutput out;
    out.redirect_url = AppendQuery(d->authorization_endpoint, params);
    out.upstream_state = json::serialize(json::object{{"n", nonce}, {"v", pkce.verifier}});
    return StartResult(std::move(out));
  }

  Result<Outcome> Finish(const CallbackInput& input) const override {
    ASSIGN_OR_RETURN(auto read, ReadCallback(input));
    if (auto* failed = std::get_if<UpstreamError>(&read)) return Outcome(std::move(*failed));
    CallbackCode& callback = std::get<CallbackCode>(read);
    const json::object& state = callback.state;
    std::optional<std::string> nonce = StringMember(state, "n");
    std::optional<std::string> verifier = StringMember(state, "v");
    if (!nonce || !verifier) return InternalError("oidc: upstream_state is not what Start produced");

    std::shared_ptr<const Discovery> d = GetDiscovery();
    if (!d) return Outcome(Unreachable());

    // 1. The code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5).
    std::vector<std::pair<std::string, std::string>> fields = {
        {"grant_type", "authorization_code"},
        {"code", callback.code},
        {"redirect_uri", input.callback_url},
        {"code_verifier", *verifier}};
    std::vector<std::pair<std::string, std::string>> headers = {{"Accept", "application/json"}};
    if (settings_.token_auth_method == TokenAuthMethod::kClientSecretPost) {
      fields.emplace_back("client_id", settings_.client_id);
      fields.emplace_back("client_secret", settings_.client_secret);
    } else {  // RFC 6749 §2.3.1: each part form-urlencoded before base64
      headers.emplace_back("Authorization", "Basic " + Base64Encode(PercentEncode(settings_.client_id) + ":" +
                                                                    PercentEncode(settings_.client_secret)));
    }
    Result<http::HttpResponse> r = context_.http.PostForm(d->token_endpoint, FormBody(fields), headers);
    if (!r.ok()) return Outcome(Fail(upstream_error::kFailedToExchangeToken, "the token endpoint did not answer"));
    if (r->status != 200) {
      return Outcome(Fail(upstream_error::kFailedToExchangeToken,
                          "the token endpoint refused the code (HTTP " + std::to_string(r->status) + ")"));
    }
    std::optional<json::object> tokens = ParseJsonObject(r->body);
    std::optional<std::string> id_token = tokens ? StringMember(*tokens, "id_token") : std::nullopt;
    if (!id_token) {
      return Outcome(Fail(upstream_error::kFailedToExchangeToken, "the token response holds no ID token"));
    }

    // 2. The ID token (OpenID Connect Core §3.1.3.7).
    std::variant<json::object, UpstreamError> verified = VerifyIdToken(*id_token, *nonce, *d);
    if (auto* e = std::get_if<UpstreamError>(&verified)) return Outcome(std::move(*e));
    json::object claims = std::move(std::get<json::object>(verified));
    const std::string subject = StringMember(claims, "sub").value_or("");
    if (subject.empty()) {
      return Outcome(Fail(upstream_error::kMandatoryAttributeMissing, "the ID token has no subject"));
    }

    // 3. Userinfo for what the ID token left out (Core §5.3.2: its sub must be the same).
    if (!claims.contains(Claim("email")) && !d->userinfo_endpoint.empty()) {
      std::optional<std::string> access_token = StringMember(*tokens, "access_token");
      if (!access_token || access_token->empty()) {
        return Outcome(Fail(upstream_error::kUserInfoRetrieveFailed, "the token response holds no access token"));
      }
      Result<http::HttpResponse> u = context_.http.Get(
          d->userinfo_endpoint, {{"Authorization", "Bearer " + *access_token}, {"Accept", "application/json"}});
      std::optional<json::object> info =
          u.ok() && u->status == 200 ? ParseJsonObject(u->body) : std::nullopt;
      if (!info) return Outcome(Fail(upstream_error::kUserInfoRetrieveFailed, "the userinfo endpoint failed"));
      if (StringMember(*info, "sub") != subject) {
        return Outcome(Fail(upstream_error::kUserInfoRetrieveFailed, "the userinfo subject does not match"));
      }
      for (const auto& member : *info) {
        if (!claims.contains(member.key())) claims.emplace(member.key(), member.value());
      }
    }
    return Outcome(MapIdentity(subject, claims));
  }

 private:
  static UpstreamError Unreachable() {
    return Fail(upstream_error::kServerError, "the identity provider could not be reached");
  }

  // The claim name for an identity field (attribute_mapping, else the field's own name).
  std::string Claim(std::string_view field) const {
    auto it = settings_.attribute_mapping.find(field);
    return it != settings_.attribute_mapping.end() ? it->second : std::string(field);
  }

  Identity MapIdentity(const std::string& subject, const json::object& claims) const {
    Identity id;
    id.subject = subject;
    id.email = StringMember(claims, Claim("email")).value_or("");
    id.email_verified = EmailVerifiedClaim(claims.if_contains(Claim("email_verified")));
    id.name = StringMember(claims, Claim("name")).value_or("");
    id.given_name = StringMember(claims, Claim("given_name")).value_or("");
    id.family_name = StringMember(claims, Claim("family_name")).value_or("");
    id.groups = GroupsClaim(claims.if_contains(Claim("groups")));
    id.raw_json = CappedRawJson(claims, {"sub", Claim("email"), Claim("email_verified"), Claim("name"),
                                         Claim("given_name"), Claim("family_name"), Claim("groups")});
    return id;
  }

  std::variant<json::object, UpstreamError> VerifyIdToken(const std::string& token, const std::string& nonce,
                                                           const Discovery& d) const {
    auto invalid = [](std::string why) { return Fail(upstream_error::kInvalidIdToken, std::move(why)); };
    std::shared_ptr<const Jwks> jwks = GetJwks(d, /*refetch=*/false);
    if (!jwks) return Unreachable();
    const std::string kid = HeaderKid(token);
    auto known = [&kid](const Jwks& set) {
      return kid.empty() || std::any_of(set.keys.begin(), set.keys.end(),
                                        [&kid](const crypto::VerificationKey& k) { return k.kid() == kid; });
    };
    if (!known(*jwks)) {  // a rotation at the IdP, perhaps: one refetch, not more than once a minute
      if (context_.clock.NowSeconds() - jwks->fetched_at >= kJwksRefetchSeconds) {
        jwks = GetJwks(d, /*refetch=*/true);
        if (!jwks) return Unreachable();
      }
      if (!known(*jwks)) return invalid("the ID token is signed with an unknown key");
    }
    Result<crypto::VerifiedJwt> jwt = crypto::VerifyJwt(token, jwks->keys, kAllowedAlgs);
    if (!jwt.ok()) return invalid("the ID token signature is not valid");
    json::object& claims = jwt->claims;

    std::optional<std::string> iss = StringMember(claims, "iss");
    std::optional<std::string> expected_iss = ExpectedIssuer(d, claims);
    if (!iss || !expected_iss || *iss != *expected_iss) return invalid("the ID token issuer does not match");

    const json::value* aud = claims.if_contains("aud");
    bool audience_ok = false;
    std::size_t audiences = 1;
    if (aud != nullptr && aud->is_string()) {
      audience_ok = aud->get_string() == settings_.client_id;
    } else if (aud != nullptr && aud->is_array()) {
      audiences = aud->get_array().size();
      audience_ok = std::any_of(aud->get_array().begin(), aud->get_array().end(), [this](const json::value& a) {
        return a.is_string() && a.get_string() == settings_.client_id;
      });
    }
    if (!audience_ok) return invalid("the ID token is not meant for this client");
    std::optional<std::string> azp = StringMember(claims, "azp");
    if ((audiences > 1 && !azp) || (claims.contains("azp") && azp != settings_.client_id)) {
      return invalid("the ID token's authorized party is not this client");
    }

    if (!crypto::CheckTimeClaims(claims, context_.clock.NowSeconds(), kLeewaySeconds).ok() ||
        !claims.contains("iat")) {
      return invalid("the ID token is expired or its times are not valid");
    }
    std::optional<std::string> token_nonce = StringMember(claims, "nonce");
    if (!token_nonce || !crypto::ConstantTimeEqual(*token_nonce, nonce)) {
      return invalid("the ID token's nonce does not match");
    }
    return std::move(claims);
  }

  // The published issuer, or for a {tenantid} template the token's tenant put in its place.
  static std::optional<std::string> ExpectedIssuer(const Discovery& d, const json::object& claims) {
    if (!d.tenant_template) return d.issuer;
    const std::string tid = StringMember(claims, "tid").value_or("");
    if (tid.empty() || tid.size() > 64 || !std::all_of(tid.begin(), tid.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        })) {
      return std::nullopt;
    }
    std::string expected = d.issuer;
    expected.replace(expected.find(kTenantPlaceholder), kTenantPlaceholder.size(), tid);
    return expected;
  }

  // --- Discovery and JWKS caches ----------------------------------------------------------------

  std::shared_ptr<const Discovery> GetDiscovery() const {
    const UnixSeconds now = context_.clock.NowSeconds();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (discovery_ && now - discovery_->fetched_at < kCacheSeconds && now >= discovery_->fetched_at) {
        return discovery_;
      }
    }
    std::string base = settings_.issuer;
    while (base.ends_with('/')) base.pop_back();
    Result<http::HttpResponse> r = context_.http.Get(base + "/.well-known/openid-configuration",
                                                     {{"Accept", "application/json"}});
    if (!r.ok() || r->status != 200) return nullptr;
    std::optional<json::object> doc = ParseJsonObject(r->body);
    if (!doc) return nullptr;
    auto d = std::make_shared<Discovery>();
    d->fetched_at = now;
    d->issuer = StringMember(*doc, "issuer").value_or("");
    if (d->issuer != settings_.issuer && !MatchesTenantTemplate(d->issuer)) return nullptr;
    d->tenant_template = d->issuer != settings_.issuer;
    d->authorization_endpoint = StringMember(*doc, "authorization_endpoint").value_or("");
    d->token_endpoint = StringMember(*doc, "token_endpoint").value_or("");
    d->jwks_uri = StringMember(*doc, "jwks_uri").value_or("");
    d->userinfo_endpoint = StringMember(*doc, "userinfo_endpoint").value_or("");
    if (!CheckEndpointUrl(d->authorization_endpoint, "authorization_endpoint").ok() ||
        !CheckEndpointUrl(d->token_endpoint, "token_endpoint").ok() ||
        !CheckEndpointUrl(d->jwks_uri, "jwks_uri").ok() ||
        (!d->userinfo_endpoint.empty() && !CheckEndpointUrl(d->userinfo_endpoint, "userinfo_endpoint").ok())) {
      return nullptr;
    }
    std::lock_guard<std::mutex> lock(mu_);
    discovery_ = d;
    return d;
  }

  // Microsoft's multi-tenant discovery publishes ".../{tenantid}/v2.0" for ".../common/v2.0":
  // accepted (for the microsoft preset only) when the configured issuer fills the placeholder
  // with one path segment.
  bool MatchesTenantTemplate(std::string_view published) const {
    if (!settings_.microsoft_tenant_template) return false;
    const std::size_t at = published.find(kTenantPlaceholder);
    if (at == std::string_view::npos) return false;
    const std::string_view prefix = published.substr(0, at);
    const std::string_view suffix = published.substr(at + kTenantPlaceholder.size());
    if (suffix.find(kTenantPlaceholder) != std::string_view::npos) return false;
    const std::string_view configured = settings_.issuer;
    if (configured.size() <= prefix.size() + suffix.size() || !configured.starts_with(prefix) ||
        !configured.ends_with(suffix)) {
      return false;
    }
    const std::string_view segment = configured.substr(prefix.size(), configured.size() - prefix.size() - suffix.size());
    return segment.find('/') == std::string_view::npos;
  }

  // The cached key set (fetched when absent or older than an hour), or with `refetch` a new one.
  std::shared_ptr<const Jwks> GetJwks(const Discovery& d, bool refetch) const {
    const UnixSeconds now = context_.clock.NowSeconds();
    if (!refetch) {
      std::lock_guard<std::mutex> lock(mu_);
      if (jwks_ && now - jwks_->fetched_at < kCacheSeconds && now >= jwks_->fetched_at) return jwks_;
    }
    Result<http::HttpResponse> r = context_.http.Get(d.jwks_uri, {{"Accept", "application/json"}});
    if (!r.ok() || r->status != 200) return nullptr;
    std::optional<json::object> doc = ParseJsonObject(r->body);
    const json::value* keys = doc ? doc->if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) return nullptr;
    auto set = std::make_shared<Jwks>();
    set->fetched_at = now;
    for (const json::value& k : keys->get_array()) {
      if (set->keys.size() >= kMaxKeys) break;
      if (!k.is_object()) continue;
      // Keys we cannot use (encryption keys, other algorithms) are skipped, not fatal.
      Result<crypto::VerificationKey> key = crypto::VerificationKey::FromJwkJson(json::serialize(k));
      if (key.ok()) set->keys.push_back(std::move(*key));
    }
    std::lock_guard<std::mutex> lock(mu_);
    jwks_ = set;
    return set;
  }

  ConnectorContext context_;
  Settings settings_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const Discovery> discovery_;  // guarded by mu_
  mutable std::shared_ptr<const Jwks> jwks_;            // guarded by mu_
};

}  // namespace

std::unique_ptr<Connector> MakeOidcFlow(const ConnectorContext& context, Settings settings) {
  return std::make_unique<OidcConnector>(context, std::move(settings));
}

}  // namespace gatehouse::connectors::sso::oidc_internal
