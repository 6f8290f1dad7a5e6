// Byte <-> text encodings used across the protocol: base64url without padding (JOSE, tokens,
// ids), standard base64 (Basic auth, webhooks) and lowercase hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

std::string Base64UrlEncode(std::string_view bytes);
// Strict: rejects padding, characters outside the URL-safe alphabet and non-canonical trailing bits.
std::optional<std::string> Base64UrlDecode(std::string_view text);

std::string Base64Encode(std::string_view bytes);
// Accepts standard base64 with or without '=' padding; rejects anything else.
std::optional<std::string> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace gatehouse
