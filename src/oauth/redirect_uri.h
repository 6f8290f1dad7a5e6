// Redirect URI rules (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §2.1, §4.1).
//
// Registration is strict so that matching can be exact: a registered URI is an absolute URL
// without a fragment, at most 2000 bytes, printable ASCII only. https is required, except
// http on a loopback host (localhost, 127.0.0.0/8, [::1]) for development and native apps, and
// private-use schemes of native apps in reverse-domain form (com.example.app:/callback).
// Script-capable schemes (javascript:, data:, vbscript:, file:) are never accepted.
// Matching (at authorization time) is byte-for-byte string equality: no prefix, wildcard,
// case folding, port or query leniency.
#pragma once

#include <string_view>

#include "common/status.h"

namespace gatehouse::oauth {

inline constexpr std::size_t kMaxRedirectUriLength = 2000;
inline constexpr std::size_t kMaxRedirectUrisPerClient = 100;

// kInvalidArgument with a message fit for an operator when `uri` cannot be registered.
Status ValidateRedirectUriForRegistration(std::string_view uri);

}  // namespace gatehouse::oauth
