#include "oauth/client_auth.h"

#include "common/encoding.h"
#include "common/strings.h"
#include "common/url.h"
#include "crypto/secret.h"

namespace gatehouse::oauth {
namespace {

constexpr std::size_t kMaxClientId = 128;

OAuthError InvalidClient(bool basic) {
  return {"invalid_client", "client authentication failed: unknown client or wrong secret", 401,
          basic ? "Basic" : ""};
}

// The credentials of an Authorization: Basic header (RFC 7617, with RFC 6749 §2.3.1's
// form-urlencoding of id and secret), or nullopt when the header is not Basic.
std::optional<std::variant<std::pair<std::string, std::string>, OAuthError>> BasicCredentials(
    const http::Request& request) {
  if (request.HeaderCount("Authorization") == 0) return std::nullopt;
  if (request.HeaderCount("Authorization") > 1) return OAuthError{InvalidRequest("more than one Authorization header")};
  std::string_view value = TrimBlanks(request.Header("Authorization"));
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos || AsciiLower(value.substr(0, space)) != "basic") return std::nullopt;
  const std::optional<std::string> decoded = Base64Decode(TrimBlanks(value.substr(space + 1)));
  if (!decoded) return OAuthError{InvalidRequest("the Basic credentials are not base64")};
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return OAuthError{InvalidRequest("the Basic credentials have no ':'")};
  auto id = PercentDecode(std::string_view(*decoded).substr(0, colon), /*plus_is_space=*/true);
  auto secret = PercentDecode(std::string_view(*decoded).substr(colon + 1), /*plus_is_space=*/true);
  if (!id.ok() || !secret.ok()) return OAuthError{InvalidRequest("the Basic credentials are not form-urlencoded")};
  return std::pair<std::string, std::string>(std::move(id).value(), std::move(secret).value());
}

}  // namespace

std::variant<std::shared_ptr<const store::Client>, OAuthError> AuthenticateClient(ClientCache& clients,
                                                                                  const http::Request& request,
                                                                                  const http::Form& form) {
  auto basic = BasicCredentials(request);
  if (basic && std::holds_alternative<OAuthError>(*basic)) return std::get<OAuthError>(*basic);
  const bool body_secret = form.Has("client_secret");
  std::string id, secret;
  if (basic) {
    if (body_secret) return InvalidRequest("use one client authentication method: HTTP Basic or the form body");
    auto& creds = std::get<std::pair<std::string, std::string>>(*basic);
    id = std::move(creds.first);
    secret = std::move(creds.second);
    if (form.Has("client_id") && form.Get("client_id") != id) {
      return InvalidRequest("client_id differs from the authenticated client");
    }
  } else {
    // RFC 6749 §5.2: no client authentication at all is invalid_client too.
    if (!form.Has("client_id")) {
      return OAuthError{"invalid_client", "client authentication is required (client_id and client_secret)", 401, ""};
    }
    if (!body_secret) return OAuthError{"invalid_client", "client_secret is required", 401, ""};
    id = std::string(form.Get("client_id"));
    secret = std::string(form.Get("client_secret"));
  }
  if (id.empty() || id.size() > kMaxClientId || secret.size() > kMaxClientSecret) return InvalidClient(basic.has_value());

  auto client = clients.Get(id);
  if (!client.ok()) {
    if (client.error().code() != StatusCode::kNotFound) return ServerError();
    // The same work as for a known client, so that timing does not tell unknown ids apart.
    static const std::string kDummy = crypto::HashSecret("gatehouse: no such client");
    (void)crypto::VerifySecret(secret, kDummy);
    return InvalidClient(basic.has_value());
  }
  if (!crypto::VerifySecret(secret, (*client)->secret_hash)) return InvalidClient(basic.has_value());
  return std::move(client).value();
}

}  // namespace gatehouse::oauth
