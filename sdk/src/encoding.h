// Byte encodings the SDK needs: percent-encoding for URLs, base64 and base64url, and a
// constant-time comparison. Internal (not installed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::sdk::detail {

// Appends `s` percent-encoded as RFC 3986 (and qs.stringify's RFC3986 format) do: the
// unreserved characters A-Z a-z 0-9 - . _ ~ as they are, every other byte as %XX (upper-case hex).
// A space becomes %20.
void append_url_encoded(std::string& out, std::string_view s);

// base64url without padding (RFC 7515 §2).
std::string base64url_encode(std::string_view bytes);
// Strict: the base64url alphabet only, no padding, no whitespace, unused trailing bits zero.
// nullopt otherwise.
std::optional<std::string> base64url_decode(std::string_view text);
// The same into `out` (its capacity kept across calls), four characters at a time: the token
// validation path decodes with it. False, `out` unspecified, when `text` is not strict base64url.
bool base64url_decode_into(std::string_view text, std::string& out);

// Standard base64 (RFC 4648 §4) with "=" padding.
std::string base64_encode(std::string_view bytes);
// Standard alphabet; padding optional. nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

// Equal ignoring ASCII case (HTTP header names, JOSE "typ" values).
bool ascii_iequal(std::string_view a, std::string_view b);

// Compares in time that depends only on the lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace gatehouse::sdk::detail
