// Client: construction, copies, and the configuration every call reads. The network and token
// work lives in token.cc / validate.cc (token half) and url.cc / webhook.cc (local half).
#include <chrono>
#include <string>
#include <utility>

#include "client_impl.h"

namespace gatehouse::sdk {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// http(s)://host[:port][/path]: a scheme we speak, a non-empty host, and nothing that would make
// "{url}/oauth/token" mean something else (query, fragment, userinfo, spaces or controls).
bool usable_environment_url(std::string_view url) {
  std::size_t rest;
  if (starts_with_ci(url, "https://")) {
    rest = 8;
  } else if (starts_with_ci(url, "http://")) {
    rest = 7;
  } else {
    return false;
  }
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '?' || c == '#' || c == '\\') return false;
  }
  std::string_view authority = url.substr(rest);
  authority = authority.substr(0, authority.find('/'));
  if (authority.find('@') != std::string_view::npos) return false;
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {  // IPv6 literal
    std::size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') return false;
    return true;
  }
  std::size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
  }
  return !host.empty();
}

}  // namespace

Client::Client(std::string environment_url, std::string client_id, std::string client_secret,
               ClientOptions options)
    : impl_(std::make_shared<Impl>()) {
  while (!environment_url.empty() && environment_url.back() == '/') environment_url.pop_back();
  impl_->environment_url = std::move(environment_url);
  impl_->client_id = std::move(client_id);
  impl_->client_secret = std::move(client_secret);
  impl_->options = std::move(options);
  if (!usable_environment_url(impl_->environment_url)) {
    impl_->config_error = Error{ErrorCode::kInvalidArgument,
                                "environment_url must be an http:// or https:// URL with a host", 0, {}, {}};
  }
  impl_->authorize_prefix = make_authorize_prefix(impl_->environment_url, impl_->client_id);
  impl_->init_token_side();
}

Client::~Client() = default;
Client::Client(const Client&) = default;
Client& Client::operator=(const Client&) = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const std::string& Client::environment_url() const { return impl_->environment_url; }
const std::string& Client::client_id() const { return impl_->client_id; }

std::int64_t Client::Impl::now() const {
  if (options.now) return options.now();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace gatehouse::sdk
