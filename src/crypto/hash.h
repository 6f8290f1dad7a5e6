// Hashes, MACs and comparisons. All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::crypto {

// SHA-256 digest, 32 raw bytes.
std::string Sha256(std::string_view data);

// HMAC-SHA-256, 32 raw bytes. Any key length is accepted.
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths, never on the contents
// (a length mismatch returns false at once: lengths of hashes and MACs are public).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// A short, non-reversible label for a secret value, for logs: the first 12 hex characters of
// its SHA-256. Lets an operator correlate log lines without the log holding the secret.
std::string Fingerprint(std::string_view secret);

}  // namespace gatehouse::crypto
