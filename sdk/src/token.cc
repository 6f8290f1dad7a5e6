// The token endpoint (wire/scalekit-compat.md §(b)): POST {environment_url}/oauth/token, form
// body, client_secret_post, fields in the Node SDK's order. Responses are checked as strictly as
// the strictest official SDK checks them, so an application sees a protocol violation as
// kInvalidResponse instead of an empty token.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "claims_data.h"
#include "client_impl.h"
#include "encoding.h"

namespace gatehouse::sdk {

void Client::Impl::init_token_side() {
  http = std::make_unique<detail::HttpClient>(options.timeout, options.ca_file);
  jwks = std::make_unique<detail::JwksCache>(*http, environment_url + "/keys", options.jwks_refresh_interval);
  token_url = environment_url + "/oauth/token";
}

namespace {

Error make_error(ErrorCode code, std::string message, int http_status = 0) {
  return Error{code, std::move(message), http_status, {}, {}};
}

class Form {
 public:
  Form& add(std::string_view name, std::string_view value) {
    if (!body_.empty()) body_ += '&';
    body_ += name;
    body_ += '=';
    detail::append_url_encoded(body_, value);
    return *this;
  }
  const std::string& body() const { return body_; }

 private:
  std::string body_;
};

// A server-supplied string fit for an Error field: printable ASCII (RFC 6749 §5.2 allows no
// more), cut at `max` bytes.
std::string sanitize(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  return out;
}

// A non-2xx answer: kServerError with the OAuth error fields when the body carries them. The
// body itself stays out of the message (a misbehaving server or proxy could echo anything).
Error server_error(const detail::HttpResponse& response) {
  Error e = make_error(ErrorCode::kServerError, "token endpoint: HTTP " + std::to_string(response.status),
                       response.status);
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const boost::json::object& o = body.get_object();
    if (auto it = o.find("error"); it != o.end() && it->value().is_string()) {
      e.oauth_error = sanitize(it->value().get_string(), 64);
      e.message += " (" + e.oauth_error + ")";
    }
    if (auto it = o.find("error_description"); it != o.end() && it->value().is_string()) {
      e.oauth_error_description = sanitize(it->value().get_string(), 512);
    }
  }
  return e;
}

Result<boost::json::object> post_token(const Client::Impl& impl, const Form& form) {
  if (impl.config_error) return *impl.config_error;
  Result<detail::HttpResponse> response = impl.http->post_form(impl.token_url, form.body(), "token endpoint");
  if (!response.ok()) return std::move(response).error();
  if (response->status < 200 || response->status > 299) return server_error(*response);
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response->body, ec);
  if (ec || !body.is_object()) {
    return make_error(ErrorCode::kInvalidResponse, "token endpoint: response is not a JSON object", response->status);
  }
  return std::move(body.get_object());
}

Error bad_field(std::string_view name, std::string_view problem) {
  return make_error(ErrorCode::kInvalidResponse, "token endpoint: " + std::string(name) + " " + std::string(problem));
}

// A string member: required ones must be present and non-empty; optional ones, when present,
// must still be strings.
Result<std::string> string_field(const boost::json::object& o, std::string_view name, bool required) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) {
    if (required) return bad_field(name, "missing");
    return std::string();
  }
  if (!it->value().is_string()) return bad_field(name, "is not a string");
  if (required && it->value().get_string().empty()) return bad_field(name, "is empty");
  return std::string(it->value().get_string());
}

// expires_in: an integer when present (Go decodes it into an int), not negative.
Result<std::int64_t> expires_in(const boost::json::object& o) {
  auto it = o.find("expires_in");
  if (it == o.end()) return std::int64_t{0};
  const boost::json::value& v = it->value();
  if (v.is_int64() && v.get_int64() >= 0) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return bad_field("expires_in", "is not a non-negative integer");
}

Error invalid_argument(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

User user_from(const Claims& c) {
  User u;
  u.id = c.string("sub").value_or("");
  u.email = c.string("email").value_or("");
  u.email_verified = c.boolean("email_verified").value_or(false);
  u.name = c.string("name").value_or("");
  u.given_name = c.string("given_name").value_or("");
  u.family_name = c.string("family_name").value_or("");
  u.username = c.string("preferred_username").value_or("");
  u.phone_number = c.string("phone_number").value_or("");
  u.phone_number_verified = c.boolean("phone_number_verified").value_or(false);
  u.picture = c.string("picture").value_or("");
  u.locale = c.string("locale").value_or("");
  u.organization_id = c.string("oid").value_or("");
  // The first amr value names the connection the person signed in with (Scalekit's convention).
  std::vector<std::string> amr = c.strings("amr");
  if (!amr.empty()) u.connection_id = std::move(amr.front());
  return u;
}

// The ID token of a code exchange or refresh: verified as validate_token does, with aud = this
// client, and the nonce when the caller kept one.
Result<Claims> verify_id_token(const Client& client, std::string_view id_token, std::string_view nonce) {
  TokenValidationOptions validation;
  validation.audience = {client.client_id()};
  Result<Claims> claims = client.validate_token(id_token, validation);
  if (!claims.ok()) {
    Error e = std::move(claims).error();
    e.message = "ID token rejected: " + e.message;
    return e;
  }
  if (!nonce.empty()) {
    std::optional<std::string> got = claims->string("nonce");
    if (!got || !detail::constant_time_equal(*got, nonce)) {
      return make_error(ErrorCode::kInvalidToken, "ID token rejected: nonce does not match the request's");
    }
  }
  return claims;
}

}  // namespace

Result<AuthenticationResponse> Client::authenticate_with_code(std::string_view code, std::string_view redirect_uri,
                                                              const AuthenticationOptions& options) const {
  if (code.empty()) return invalid_argument("authenticate_with_code: empty code");
  if (redirect_uri.empty()) return invalid_argument("authenticate_with_code: empty redirect_uri");
  Form form;
  form.add("code", code)
      .add("redirect_uri", redirect_uri)
      .add("grant_type", "authorization_code")
      .add("client_id", impl_->client_id)
      .add("client_secret", impl_->client_secret);
  if (!options.code_verifier.empty()) form.add("code_verifier", options.code_verifier);
  Result<boost::json::object> body = post_token(*impl_, form);
  if (!body.ok()) return std::move(body).error();

  AuthenticationResponse out;
  Result<std::string> access_token = string_field(*body, "access_token", true);
  if (!access_token.ok()) return std::move(access_token).error();
  Result<std::string> id_token = string_field(*body, "id_token", true);
  if (!id_token.ok()) return std::move(id_token).error();
  Result<std::string> refresh_token = string_field(*body, "refresh_token", false);
  if (!refresh_token.ok()) return std::move(refresh_token).error();
  Result<std::int64_t> expires = expires_in(*body);
  if (!expires.ok()) return std::move(expires).error();

  Result<Claims> claims = verify_id_token(*this, *id_token, options.nonce);
  if (!claims.ok()) return std::move(claims).error();
  out.user = user_from(*claims);
  out.id_token = std::move(*id_token);
  out.access_token = std::move(*access_token);
  out.refresh_token = std::move(*refresh_token);
  out.expires_in = *expires;
  out.id_token_claims = std::move(*claims);
  return out;
}

Result<RefreshTokenResponse> Client::refresh_access_token(std::string_view refresh_token) const {
  if (refresh_token.empty()) return invalid_argument("refresh_access_token: empty refresh token");
  Form form;
  form.add("grant_type", "refresh_token")
      .add("client_id", impl_->client_id)
      .add("client_secret", impl_->client_secret)
      .add("refresh_token", refresh_token);
  Result<boost::json::object> body = post_token(*impl_, form);
  if (!body.ok()) return std::move(body).error();

  RefreshTokenResponse out;
  Result<std::string> access_token = string_field(*body, "access_token", true);
  if (!access_token.ok()) return std::move(access_token).error();
  // The server rotates refresh tokens: without the new one the session would end at the next
  // refresh, so its absence is a protocol error (as in the Node and Python SDKs).
  Result<std::string> rotated = string_field(*body, "refresh_token", true);
  if (!rotated.ok()) return std::move(rotated).error();
  Result<std::string> id_token = string_field(*body, "id_token", false);
  if (!id_token.ok()) return std::move(id_token).error();
  Result<std::int64_t> expires = expires_in(*body);
  if (!expires.ok()) return std::move(expires).error();
  if (!id_token->empty()) {
    Result<Claims> claims = verify_id_token(*this, *id_token, {});
    if (!claims.ok()) return std::move(claims).error();
    out.user = user_from(*claims);
    out.id_token_claims = std::move(*claims);
  }
  out.access_token = std::move(*access_token);
  out.refresh_token = std::move(*rotated);
  out.id_token = std::move(*id_token);
  out.expires_in = *expires;
  return out;
}

Result<std::string> Client::get_client_access_token() const {
  return generate_client_token(impl_->client_id, impl_->client_secret);
}

Result<std::string> Client::generate_client_token(std::string_view client_id, std::string_view client_secret) const {
  if (client_id.empty()) return invalid_argument("generate_client_token: empty client_id");
  Form form;
  form.add("grant_type", "client_credentials").add("client_id", client_id).add("client_secret", client_secret);
  Result<boost::json::object> body = post_token(*impl_, form);
  if (!body.ok()) return std::move(body).error();
  Result<std::string> access_token = string_field(*body, "access_token", true);
  if (!access_token.ok()) return std::move(access_token).error();
  Result<std::int64_t> expires = expires_in(*body);
  if (!expires.ok()) return std::move(expires).error();
  return std::move(*access_token);
}

}  // namespace gatehouse::sdk
