#include "oauth/redirect_uri.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "common/url.h"
#include "common/strings.h"

namespace gatehouse::oauth {
Status ValidateRedirectUriForRegistration(std::string_view uri) {
  if (uri.empty()) return InvalidArgumentError("redirect URI is empty");
  if (uri.size() > kMaxRedirectUriLength) return InvalidArgumentError("redirect URI is longer than 2000 bytes");
  for (unsigned char c : uri) {
    if (c <= 0x20 || c >= 0x7F) {
      return InvalidArgumentError("redirect URI must be printable ASCII without spaces (percent-encode the rest)");
    }
  }
  if (uri.find('#') != std::string_view::npos) return InvalidArgumentError("redirect URI must not have a fragment");
  auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return InvalidArgumentError("redirect URI must be absolute");
  const std::string scheme = AsciiLower(uri.substr(0, colon));
  for (const char* banned : {"javascript", "data", "vbscript", "file", "blob", "about"}) {
    if (scheme == banned) return InvalidArgumentError("redirect URI scheme '" + scheme + "' is not allowed");
  }
  if (scheme == "http" || scheme == "https") {
    auto parsed = ParseHttpUrl(uri);
    if (!parsed.ok()) return InvalidArgumentError("redirect URI: " + parsed.error().message());
    if (scheme == "http" && !IsLoopbackHost(parsed->host)) {
      return InvalidArgumentError("redirect URI must use https (http is allowed only for localhost and 127.0.0.1)");
    }
    return Status::Ok();
  }
  // A private-use scheme for a native app: RFC 8252 §7.1 asks for reverse domain names.
  bool scheme_ok = std::isalpha(static_cast<unsigned char>(scheme[0])) &&
                   scheme.find('.') != std::string::npos &&
                   std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
                     return std::isalnum(c) || c == '+' || c == '-' || c == '.';
                   });
  if (!scheme_ok) {
    return InvalidArgumentError("redirect URI scheme must be https, http on localhost, or a reverse-domain "
                                "private-use scheme such as com.example.app");
  }
  return Status::Ok();
}

}  // namespace gatehouse::oauth
