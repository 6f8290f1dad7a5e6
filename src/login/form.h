// The hosted login's form input: the one place that reads a form body and checks an email
// address, so handlers only see typed, bounded values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/request.h"

namespace gatehouse::login {

// Limits on every input (the transport already caps a body at 64 KiB).
inline constexpr std::size_t kMaxEmail = 254;  // RFC 5321 §4.5.3.1.3 (path) less the brackets
inline constexpr std::size_t kMaxName = 200;
inline constexpr std::size_t kMaxConnectionId = 80;
inline constexpr std::size_t kMaxCsrfToken = 64;

// A decoded application/x-www-form-urlencoded body (or query string): each field at most once.
class Form {
 public:
  // kInvalidArgument for a malformed encoding, invalid UTF-8, too many fields, or a field that
  // appears twice (a repeated field is ambiguous; we refuse rather than pick one).
  static Result<Form> Parse(std::string_view encoded);
  // The field's value, or empty when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

// True when the request has exactly one Content-Type and its media type is
// application/x-www-form-urlencoded (case-insensitive; parameters such as charset ignored).
bool IsFormUrlEncoded(const http::Request& request);

// The address, trimmed of surrounding whitespace, when it looks like an email address: at most
// 254 bytes, exactly one '@', a non-empty local part, a domain of non-empty dot-separated
// labels with at least one dot, no spaces or control characters. Not a full RFC 5322 parser:
// delivery (a later version) is the real check.
std::optional<std::string> ValidateEmail(std::string_view input);

// A display name typed on the sign-up page: trimmed, at most 200 bytes, no control characters.
std::optional<std::string> ValidateName(std::string_view input);

}  // namespace gatehouse::login
