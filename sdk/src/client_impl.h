// Client::Impl: the state behind a Client, shared by its copies. Everything but the JWKS cache
// is fixed at construction, so methods read it without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gatehouse/client.h"
#include "http.h"
#include "jwks.h"

namespace gatehouse::sdk {

struct Client::Impl {
  std::string environment_url;  // as given, trailing slashes dropped
  std::string client_id;
  std::string client_secret;
  ClientOptions options;
  // Set when environment_url is not an http(s) URL: every network call returns it.
  std::optional<Error> config_error;

  // "{environment_url}/oauth/authorize?response_type=code&client_id={encoded id}&redirect_uri="
  // built once, so authorization_url only appends the per-request part.
  std::string authorize_prefix;

  // --- token side (owned by client.cc / http / jwks) ---
  // Built by the constructor (init_token_side, token.cc) from options; shared by every copy.
  std::unique_ptr<detail::HttpClient> http;
  std::unique_ptr<detail::JwksCache> jwks;  // {environment_url}/keys
  std::string token_url;                    // {environment_url}/oauth/token
  void init_token_side();

  std::int64_t now() const;  // options.now, or the system clock
};

// The fixed head of every authorization URL (see Impl::authorize_prefix); url.cc.
std::string make_authorize_prefix(std::string_view environment_url, std::string_view client_id);

}  // namespace gatehouse::sdk
