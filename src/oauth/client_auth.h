// Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
// client_secret_post (client_id and client_secret in the form body, what every Scalekit SDK
// sends) and client_secret_basic (HTTP Basic, RFC 6749 §2.3.1: id and secret form-urlencoded
// before base64).
//
// Rules:
//   * exactly one method: Basic and body credentials together are invalid_request;
//   * an Authorization header with another scheme (the Go and Python SDKs send a stale
//     `Bearer` management token on token requests) is ignored;
//   * no credentials at all, unknown client or wrong secret: invalid_client, 401 (the same answer
//     for the last two). The secret is checked in constant time (crypto::VerifySecret), also
//     against a dummy hash when the client does not exist, so timing does not tell which;
//   * a client_id in the body that differs from the authenticated one is invalid_request.
#pragma once

#include <memory>
#include <string_view>
#include <variant>

#include "http/form.h"
#include "http/request.h"
#include "oauth/client_cache.h"
#include "oauth/errors.h"
#include "store/store.h"

namespace gatehouse::oauth {

inline constexpr std::size_t kMaxClientSecret = 256;

// The authenticated client, or the error to answer.
std::variant<std::shared_ptr<const store::Client>, OAuthError> AuthenticateClient(ClientCache& clients, const http::Request& request,
                                                           const http::Form& form);

}  // namespace gatehouse::oauth
