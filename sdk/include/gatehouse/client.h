// gatehouse::sdk::Client: what an application's backend needs to sign people in with Gatehouse
// (or any server speaking Scalekit's wire protocol), modelled on @scalekit-sdk/node's
// ScalekitClient: build the authorization URL, exchange the code, refresh, validate tokens,
// build the logout URL, verify webhooks.
//
// Thread safety: a Client is safe for concurrent use from any number of threads without
// external synchronization (its only mutable state, the JWKS cache, is internally locked).
// Copies share that cache. Network calls are synchronous; each is bounded by
// ClientOptions::timeout.
//
// Network: HTTPS with certificate verification, or plain HTTP when the environment URL says
// http:// (meant for loopback development: nothing is protected on the wire then); no redirects
// followed; proxy settings from the environment ignored (the secret must not take a detour);
// responses larger than 1 MiB refused. The client secret is sent only to the token endpoint, in
// the form body (client_secret_post, as every Scalekit SDK does).
//
// Errors of network calls: kInvalidArgument (unusable environment URL, empty code ...),
// kNetwork, kTimeout, kServerError (an error status; OAuth error fields filled), kInvalidResponse.
// Validation returns those same codes when the JWKS cannot be fetched, kTokenExpired for a token
// past exp (+ leeway), kInvalidToken for every other refusal, kInsufficientScope for a verified
// token that lacks a required scope. A moved-from Client may only be assigned to or destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/claims.h"
#include "gatehouse/export.h"
#include "gatehouse/result.h"

namespace gatehouse::sdk {

struct ClientOptions {
  // Every network call (token endpoint, JWKS), connection included.
  std::chrono::milliseconds timeout{10'000};
  // Tolerance for exp and nbf (clock skew between the server and this machine).
  std::chrono::seconds leeway{30};
  // The JWKS is fetched when first needed and cached. A token signed with a key id the cache
  // does not know triggers a refetch, at most once per this interval counted from the last fetch
  // (so forged key ids cannot make the application hammer the server; a key the server
  // publishes in advance, as Gatehouse does, is already in the cache when it starts signing).
  std::chrono::seconds jwks_refresh_interval{60};
  // PEM bundle of CAs for an https environment URL; empty = the system's.
  std::string ca_file;
  // Unix time in seconds; empty = the system clock. Tests inject a fixed clock.
  std::function<std::int64_t()> now;
};

// Parameters of the authorization request (wire/scalekit-compat.md §(a)). Empty strings are
// omitted, as the Node SDK omits falsy options.
struct AuthorizationUrlOptions {
  std::optional<std::vector<std::string>> scopes;  // unset = openid profile email
  std::string state;
  std::string nonce;
  std::string prompt;           // login, create, select_account, none
  std::string organization_id;
  std::string connection_id;
  std::string login_hint;
  std::string domain_hint;      // sent as domain_hint and again as domain
  std::string provider;         // google, microsoft, github, gitlab, linkedin, salesforce
  std::string code_challenge;
  std::string code_challenge_method;  // S256
};

struct LogoutUrlOptions {
  std::string id_token_hint;
  std::string post_logout_redirect_uri;
  std::string state;
};

struct AuthenticationOptions {
  std::string code_verifier;  // required when the authorization URL carried a code_challenge
  std::string nonce;          // when set, the ID token's nonce must equal it
};

// The person who signed in, from the ID token's claims (the Node SDK's User mapping).
struct User {
  std::string id;  // sub
  std::string email;
  bool email_verified = false;
  std::string name;
  std::string given_name;
  std::string family_name;
  std::string username;  // preferred_username
  std::string phone_number;
  bool phone_number_verified = false;
  std::string picture;
  std::string locale;
  std::string organization_id;  // oid
  std::string connection_id;    // amr[0]: the connection used to sign in
};

struct AuthenticationResponse {
  User user;
  std::string id_token;
  std::string access_token;
  std::string refresh_token;  // empty unless offline_access was granted
  std::int64_t expires_in = 0;  // seconds the access token lives
  Claims id_token_claims;     // the verified ID token's payload
};

struct RefreshTokenResponse {
  std::string access_token;
  std::string refresh_token;  // the rotated one: the old one is now spent
  std::string id_token;       // when the server sent one (verified like the code exchange's)
  std::int64_t expires_in = 0;
  User user;                  // from the new ID token's claims (empty without one)
  Claims id_token_claims;
};

struct TokenValidationOptions {
  // Expected "iss"; empty = the environment URL (without a trailing slash). Always checked.
  std::string issuer;
  // When not empty, "aud" must contain at least one of these.
  std::vector<std::string> audience;
  // Each must be granted (Claims::scopes()); otherwise kInsufficientScope.
  std::vector<std::string> required_scopes;
  // Accepted JWS algorithms, a subset of RS256 and ES256 (anything else is never accepted).
  std::vector<std::string> algorithms{"RS256", "ES256"};
};

// The claims of the idp_initiated_login token (wire/scalekit-compat.md §(a), IdP-initiated SSO).
struct IdpInitiatedLoginClaims {
  std::string connection_id;
  std::string organization_id;
  std::string login_hint;
  std::string relay_state;  // may be empty; pass it on as the new request's state
};

class GATEHOUSE_SDK_API Client {
 public:
  // environment_url: the server's base URL (its issuer), http(s)://host[:port][/path]; trailing
  // slashes are dropped. An unusable URL is reported by every later call (kInvalidArgument),
  // and authorization_url/logout_url then still build from the text given.
  Client(std::string environment_url, std::string client_id, std::string client_secret,
         ClientOptions options = {});
  ~Client();
  Client(const Client&);
  Client& operator=(const Client&);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  const std::string& environment_url() const;
  const std::string& client_id() const;

  // {environment_url}/oauth/authorize?response_type=code&client_id=..&redirect_uri=..&scope=..
  // then state, nonce, login_hint, domain_hint, domain, connection_id, organization_id,
  // code_challenge, code_challenge_method, provider, prompt, each when set: the Node SDK's order
  // and encoding (RFC 3986, space as %20). Local; no network.
  std::string authorization_url(std::string_view redirect_uri, const AuthorizationUrlOptions& options = {}) const;

  // POST /oauth/token grant_type=authorization_code. The ID token is verified (JWKS, iss, aud =
  // client_id, exp, nonce when given) before anything is returned.
  Result<AuthenticationResponse> authenticate_with_code(std::string_view code, std::string_view redirect_uri,
                                                        const AuthenticationOptions& options = {}) const;

  // POST /oauth/token grant_type=refresh_token. The server rotates the token: keep the new one.
  Result<RefreshTokenResponse> refresh_access_token(std::string_view refresh_token) const;

  // client_credentials with this client's (or the given) id and secret: an access token.
  Result<std::string> get_client_access_token() const;
  Result<std::string> generate_client_token(std::string_view client_id, std::string_view client_secret) const;

  // Verifies a JWT issued by the server: signature with a key from its JWKS chosen by "kid",
  // algorithm in options.algorithms, "iss", "exp" (required) and "nbf" within the leeway,
  // "aud" and scopes when asked. Returns its claims.
  Result<Claims> validate_token(std::string_view token, const TokenValidationOptions& options = {}) const;
  // validate_token, and the JOSE "typ" must be "at+jwt" (RFC 9068 §4), so that an ID token
  // cannot pass for an access token.
  Result<Claims> validate_access_token(std::string_view token, const TokenValidationOptions& options = {}) const;

  // Verifies the idp_initiated_login JWT (as validate_token) and returns its claims.
  Result<IdpInitiatedLoginClaims> get_idp_initiated_login_claims(std::string_view token,
                                                                 const TokenValidationOptions& options = {}) const;

  // {environment_url}/oidc/logout[?id_token_hint=..&post_logout_redirect_uri=..&state=..]
  // (parameters when set, the Node SDK's order; no "?" when none). Local; no network.
  std::string logout_url(const LogoutUrlOptions& options = {}) const;

  // Standard Webhooks (wire/scalekit-compat.md §(f)): headers webhook-id, webhook-timestamp,
  // webhook-signature (names matched case-insensitively); secret "whsec_<base64 key>";
  // HMAC-SHA256 over "{id}.{timestamp}.{payload}", any "v1,<base64>" entry may match (constant
  // time); timestamp within 5 minutes of now. kInvalidSignature otherwise.
  Status verify_webhook_payload(std::string_view secret, const std::map<std::string, std::string>& headers,
                                std::string_view payload) const;
  // The same with interceptor-id, interceptor-timestamp, interceptor-signature.
  Status verify_interceptor_payload(std::string_view secret, const std::map<std::string, std::string>& headers,
                                    std::string_view payload) const;

  struct Impl;  // sdk/src/client_impl.h

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace gatehouse::sdk
