// Settings of the OIDC and OAuth connectors (oidc.h), the social presets, the factory, and helpers
// the two flows share (oidc_internal.h).
#include "connectors/sso/oidc.h"

#include <algorithm>
#include <array>
#include <exception>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/encoding.h"
#include "common/url.h"
#include "connectors/sso/oidc_internal.h"
#include "crypto/hash.h"

namespace gatehouse::connectors::sso {
namespace oidc_internal {
namespace {

struct Preset {
  std::string_view provider;
  std::string_view issuer;  // empty: GitHub
  TokenAuthMethod auth;
};

// LinkedIn accepts the client secret only in the body; the others take either.
constexpr std::array<Preset, 6> kPresets = {{
    {"google", "https://accounts.google.com", TokenAuthMethod::kClientSecretBasic},
    {"microsoft", "https://login.microsoftonline.com/common/v2.0", TokenAuthMethod::kClientSecretBasic},
    {"gitlab", "https://gitlab.com", TokenAuthMethod::kClientSecretBasic},
    {"linkedin", "https://www.linkedin.com/oauth", TokenAuthMethod::kClientSecretPost},
    {"salesforce", "https://login.salesforce.com", TokenAuthMethod::kClientSecretBasic},
    {"github", "", TokenAuthMethod::kClientSecretPost},
}};

constexpr std::string_view kGithubAuthorize = "https://github.com/login/oauth/authorize";
constexpr std::string_view kGithubToken = "https://github.com/login/oauth/access_token";
constexpr std::string_view kGithubApi = "https://api.github.com";

constexpr std::array<std::string_view, 6> kMappableFields = {"email", "email_verified", "name",
                                                             "given_name", "family_name", "groups"};
constexpr std::size_t kMaxMembersLength = 1024;  // client ids, claim names, URLs are short
constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxScopes = 64;

Status Invalid(std::string message) { return InvalidArgumentError("oidc settings: " + std::move(message)); }

bool IsPrintable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E.
bool IsScopeToken(std::string_view s) {
  return !s.empty() && s.size() <= 256 && IsPrintable(s) && s.find('"') == std::string_view::npos &&
         s.find('\\') == std::string_view::npos;
}

Result<std::string> RequiredString(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return Invalid(std::string(key) + " is required");
  if (!v->is_string() || v->get_string().empty() || v->get_string().size() > kMaxMembersLength ||
      !IsPrintable(v->get_string())) {
    return Invalid(std::string(key) + " must be a non-empty string of printable ASCII");
  }
  return std::string(v->get_string());
}

Result<std::string> UrlMember(const boost::json::object& o, std::string_view key, bool allow_query) {
  ASSIGN_OR_RETURN(std::string url, RequiredString(o, key));
  RETURN_IF_ERROR(CheckEndpointUrl(url, key));
  if (!allow_query && url.find('?') != std::string::npos) return Invalid(std::string(key) + " must not have a query");
  return url;
}

Result<std::string> ParseScopes(const boost::json::object& o, bool need_openid) {
  const boost::json::value* v = o.if_contains("scopes");
  if (!v->is_array() || v->get_array().empty() || v->get_array().size() > kMaxScopes) {
    return Invalid("scopes must be a non-empty array of at most 64 strings");
  }
  std::string scope;
  bool openid = false;
  for (const boost::json::value& s : v->get_array()) {
    if (!s.is_string() || !IsScopeToken(s.get_string())) return Invalid("each scope must be a scope token (RFC 6749 §3.3)");
    openid = openid || s.get_string() == "openid";
    if (!scope.empty()) scope += ' ';
    scope += s.get_string();
  }
  if (need_openid && !openid) return Invalid("scopes must include \"openid\"");
  return scope;
}

Status ParseMapping(const boost::json::value& v, Settings& settings) {
  if (!v.is_object()) return Invalid("attribute_mapping must be an object");
  for (const auto& [field, claim] : v.get_object()) {
    if (std::find(kMappableFields.begin(), kMappableFields.end(), std::string_view(field)) == kMappableFields.end()) {
      return Invalid("attribute_mapping: unknown identity field \"" + SanitizeAscii(field, 40) + "\"");
    }
    if (!claim.is_string() || claim.get_string().empty() || claim.get_string().size() > 256) {
      return Invalid("attribute_mapping: claim names must be non-empty strings");
    }
    settings.attribute_mapping[std::string(field)] = std::string(claim.get_string());
  }
  return Status::Ok();
}

Status RefuseUnknownMembers(const boost::json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& member : o) {
    if (std::find(known.begin(), known.end(), std::string_view(member.key())) == known.end()) {
      return Invalid("unknown member \"" + SanitizeAscii(member.key(), 40) + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckEndpointUrl(std::string_view url, std::string_view what) {
  if (url.size() > kMaxUrlLength) return Invalid(std::string(what) + " is too long");
  Result<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return Invalid(std::string(what) + " is not an absolute http(s) URL");
  if (parsed->scheme == "https") return Status::Ok();
  if (IsLoopbackHost(parsed->host)) return Status::Ok();
  return Invalid(std::string(what) + " must use https (http only on a loopback host)");
}

Result<Settings> ParseSettings(const ConnectionConfig& config, bool require_secret) {
  std::optional<boost::json::object> o = ParseJsonObject(config.settings_json);
  if (!o) return Invalid("not a JSON object");
  Settings s;
  const bool oidc = config.type == "oidc";
  const Preset* preset = nullptr;
  if (!oidc) {
    if (config.type != "oauth") return Invalid("connection type \"" + SanitizeAscii(config.type, 40) + "\" is not oidc or oauth");
    for (const Preset& p : kPresets) {
      if (p.provider == config.provider) preset = &p;
    }
    if (preset == nullptr) return Invalid("unknown oauth provider \"" + SanitizeAscii(config.provider, 40) + "\"");
    s.github = preset->issuer.empty();
  }

  if (oidc) {
    RETURN_IF_ERROR(RefuseUnknownMembers(*o, {"issuer", "client_id", "token_auth_method", "scopes", "attribute_mapping"}));
    ASSIGN_OR_RETURN(s.issuer, UrlMember(*o, "issuer", false));
    if (const boost::json::value* m = o->if_contains("token_auth_method")) {
      if (m->is_string() && m->get_string() == "client_secret_post") {
        s.token_auth_method = TokenAuthMethod::kClientSecretPost;
      } else if (!m->is_string() || m->get_string() != "client_secret_basic") {
        return Invalid("token_auth_method must be \"client_secret_basic\" or \"client_secret_post\"");
      }
    }
    if (const boost::json::value* m = o->if_contains("attribute_mapping")) RETURN_IF_ERROR(ParseMapping(*m, s));
  } else if (s.github) {
    RETURN_IF_ERROR(RefuseUnknownMembers(*o, {"client_id", "scopes", "authorization_endpoint", "token_endpoint", "api_url"}));
    s.token_auth_method = preset->auth;
    s.authorization_endpoint = kGithubAuthorize;
    s.token_endpoint = kGithubToken;
    s.api_url = kGithubApi;
    if (o->contains("authorization_endpoint")) {
      ASSIGN_OR_RETURN(s.authorization_endpoint, UrlMember(*o, "authorization_endpoint", true));
    }
    if (o->contains("token_endpoint")) {
      ASSIGN_OR_RETURN(s.token_endpoint, UrlMember(*o, "token_endpoint", false));
    }
    if (o->contains("api_url")) {
      ASSIGN_OR_RETURN(s.api_url, UrlMember(*o, "api_url", false));
    }
    while (s.api_url.ends_with('/')) s.api_url.pop_back();
  } else {
    RETURN_IF_ERROR(RefuseUnknownMembers(*o, {"client_id", "scopes", "issuer"}));
    s.token_auth_method = preset->auth;
    s.issuer = preset->issuer;
    if (o->contains("issuer")) {
      ASSIGN_OR_RETURN(s.issuer, UrlMember(*o, "issuer", false));
    }
    s.microsoft_tenant_template = preset->provider == "microsoft";
  }

  ASSIGN_OR_RETURN(s.client_id, RequiredString(*o, "client_id"));
  if (o->contains("scopes")) {
    ASSIGN_OR_RETURN(s.scope, ParseScopes(*o, !s.github));
  } else {
    s.scope = s.github ? "read:user user:email" : (oidc ? "openid profile email" : "openid email profile");
  }
  if (require_secret && config.client_secret.empty()) return Invalid("the client secret is required");
  s.client_secret = config.client_secret;
  return s;
}

// --- Helpers -------------------------------------------------------------------------------------

std::optional<boost::json::value> ParseJson(std::string_view text) {
  try {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec) return std::nullopt;
    return v;
  } catch (const std::exception&) {  // allocation failure, or nesting past Boost.JSON's depth limit
    return std::nullopt;
  }
}

std::optional<boost::json::object> ParseJsonObject(std::string_view text) {
  std::optional<boost::json::value> v = ParseJson(text);
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->get_object());
}

std::optional<std::string> StringMember(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += PercentEncode(name);
    body += '=';
    body += PercentEncode(value);
  }
  return body;
}

const std::string* FindParam(const CallbackInput& input, std::string_view name) {
  for (const auto& [key, value] : input.params) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string SanitizeAscii(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) break;
    if (c >= 0x20 && c < 0x7f) out += c;
  }
  return out;
}

Result<std::variant<CallbackCode, UpstreamError>> ReadCallback(const CallbackInput& input) {
  using Read = std::variant<CallbackCode, UpstreamError>;
  if (const std::string* error = FindParam(input, "error")) {
    const std::string* description = FindParam(input, "error_description");
    return Read(MapCallbackError(*error, description != nullptr ? *description : ""));
  }
  const std::string* code = FindParam(input, "code");
  if (code == nullptr || code->empty()) {
    return Read(Fail(upstream_error::kAuthenticationNotCompleted, "the identity provider sent no authorization code"));
  }
  if (input.upstream_state.empty()) {
    return Read(Fail(upstream_error::kAuthenticationNotCompleted, "the sign-in was not started by this server"));
  }
  std::optional<boost::json::object> state = ParseJsonObject(input.upstream_state);
  if (!state) return InternalError("upstream_state is not what Start produced");
  return Read(CallbackCode{*code, std::move(*state)});
}

UpstreamError MapCallbackError(std::string_view error, std::string_view error_description) {
  std::string_view code = upstream_error::kAuthenticationNotCompleted;
  std::string text = "the identity provider did not complete the sign-in";
  if (error == "access_denied") {
    code = upstream_error::kAccessDenied;
    text = "the sign-in was cancelled or refused at the identity provider";
  } else if (error == "server_error" || error == "temporarily_unavailable") {
    code = upstream_error::kServerError;
    text = "the identity provider could not complete the sign-in";
  }
  text += " (" + SanitizeAscii(error, 40);
  const std::string detail = SanitizeAscii(error_description, 200 - text.size() - 4);
  if (!detail.empty()) text += ": " + detail;
  text += ')';
  return Fail(code, std::move(text));
}

Pkce MakePkce(Random& random) {
  Pkce p;
  p.verifier = Base64UrlEncode(random.Bytes(32));
  p.challenge = Base64UrlEncode(crypto::Sha256(p.verifier));
  return p;
}

std::string CappedRawJson(const boost::json::object& claims, const std::vector<std::string>& keep) {
  constexpr std::size_t kMaxRawJson = 16 * 1024;
  std::string all = boost::json::serialize(claims);
  if (all.size() <= kMaxRawJson) return all;
  boost::json::object kept;
  for (const std::string& key : keep) {
    if (const boost::json::value* v = claims.if_contains(key)) kept[key] = *v;
  }
  std::string cut = boost::json::serialize(kept);
  return cut.size() <= kMaxRawJson ? cut : "{}";
}

}  // namespace oidc_internal

Status ValidateOidcSettings(const ConnectionConfig& config) {
  return oidc_internal::ParseSettings(config, /*require_secret=*/false).status();
}

Result<std::unique_ptr<Connector>> MakeOidcConnector(const ConnectorContext& context, const ConnectionConfig& config) {
  ASSIGN_OR_RETURN(oidc_internal::Settings settings, oidc_internal::ParseSettings(config, /*require_secret=*/true));
  if (settings.github) return oidc_internal::MakeGithubFlow(context, std::move(settings));
  return oidc_internal::MakeOidcFlow(context, std::move(settings));
}

}  // namespace gatehouse::connectors::sso
