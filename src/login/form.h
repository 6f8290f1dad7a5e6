// The hosted login's form input: the one place that reads a form body and checks an email
// address, so handlers only see typed, bounded values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/form.h"
#include "http/request.h"

namespace gatehouse::login {

// Limits on every input (the transport already caps a body at 64 KiB).
inline constexpr std::size_t kMaxEmail = 254;  // RFC 5321 §4.5.3.1.3 (path) less the brackets
inline constexpr std::size_t kMaxName = 200;
inline constexpr std::size_t kMaxConnectionId = 80;
inline constexpr std::size_t kMaxCsrfToken = 64;

using http::Form;
using http::IsFormUrlEncoded;

// The address, trimmed of surrounding whitespace, when it looks like an email address: at most
// 254 bytes, exactly one '@', a non-empty local part, a domain of non-empty dot-separated
// labels with at least one dot, no spaces or control characters. Not a full RFC 5322 parser:
// delivery (a later version) is the real check.
std::optional<std::string> ValidateEmail(std::string_view input);

// A display name typed on the sign-up page: trimmed, at most 200 bytes, no control characters.
std::optional<std::string> ValidateName(std::string_view input);

}  // namespace gatehouse::login
