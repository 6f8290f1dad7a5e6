// Standard Webhooks verification (wire/scalekit-compat.md §(f)), for webhooks and interceptor
// callbacks alike: only the header names differ.
//
// The received signatures are compared as decoded bytes, not as base64 text (Go compares text,
// Node decoded bytes): "v1,<base64>" with or without "=" padding then both match, as in Node.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "client_impl.h"
#include "encoding.h"

namespace gatehouse::sdk {
namespace {

struct HeaderNames {
  std::string_view id;
  std::string_view timestamp;
  std::string_view signature;
};
constexpr HeaderNames kWebhookHeaders{"webhook-id", "webhook-timestamp", "webhook-signature"};
constexpr HeaderNames kInterceptorHeaders{"interceptor-id", "interceptor-timestamp", "interceptor-signature"};

// The replay window, both ways: the Node SDK's WEBHOOK_TOLERANCE_IN_SECONDS.
constexpr std::uint64_t kToleranceSeconds = 300;
// Ample for a list of signatures (one v1 entry is 47 bytes) and small enough that a hostile header
// costs little to refuse.
constexpr std::size_t kMaxSignatureHeader = 8 * 1024;
// The digits of any int64 Unix time; more cannot be a timestamp.
constexpr std::size_t kMaxTimestampDigits = 19;
constexpr std::size_t kMacSize = 32;  // SHA-256

Error invalid_signature(std::string message) { return Error{ErrorCode::kInvalidSignature, std::move(message)}; }

// HTTP header names are case-insensitive, and applications fill the map from frameworks that
// keep, lower or capitalize them. Spellings that disagree on the value make the header ambiguous,
// which is refused rather than resolved by picking one.
Result<std::string_view> find_header(const std::map<std::string, std::string>& headers, std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [key, value] : headers) {
    if (!detail::ascii_iequal(key, name)) continue;
    if (found != nullptr && *found != value) {
      return invalid_signature("header " + std::string(name) + " is given more than once with different values");
    }
    found = &value;
  }
  // An empty value counts as missing, as in the Node SDK.
  if (found == nullptr || found->empty()) return invalid_signature("missing header " + std::string(name));
  return std::string_view(*found);
}

// Decimal digits only (no sign, space or fraction), as Go's ParseInt would accept for a Unix time.
bool parse_timestamp(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > kMaxTimestampDigits) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');  // 19 digits fit in 64 unsigned bits
  }
  out = v;
  return true;
}

// HMAC-SHA256 over "{id}.{timestamp}.{payload}", fed in pieces so the payload is never copied.
Result<std::array<unsigned char, kMacSize>> compute_mac(std::string_view key, std::string_view id,
                                                        std::string_view timestamp, std::string_view payload) {
  // Fetched once: fetching looks the algorithm up in the provider tables on every call otherwise.
  // An EVP_MAC is immutable and safe to share between threads.
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  const Error failed{ErrorCode::kInternal, "HMAC-SHA256 failed (EVP_MAC)"};
  if (hmac == nullptr) return failed;
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(hmac), &EVP_MAC_CTX_free);
  if (!ctx) return failed;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  std::array<unsigned char, kMacSize> mac{};
  std::size_t mac_size = 0;
  const auto update = [&](std::string_view part) {
    return EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  };
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1 ||
      !update(id) || !update(".") || !update(timestamp) || !update(".") || !update(payload) ||
      EVP_MAC_final(ctx.get(), mac.data(), &mac_size, mac.size()) != 1 || mac_size != kMacSize) {
    return failed;
  }
  return mac;
}

Status verify(const Client::Impl& impl, std::string_view secret, const std::map<std::string, std::string>& headers,
              std::string_view payload, const HeaderNames& names) {
  const Result<std::string_view> id = find_header(headers, names.id);
  if (!id) return id.error();
  const Result<std::string_view> timestamp = find_header(headers, names.timestamp);
  if (!timestamp) return timestamp.error();
  const Result<std::string_view> signature = find_header(headers, names.signature);
  if (!signature) return signature.error();

  // "<prefix>_<standard base64 key>" (whsec_...). The prefix names the kind of secret only.
  const std::size_t underscore = secret.find('_');
  if (underscore == std::string_view::npos) {
    return Error{ErrorCode::kInvalidArgument, "the signing secret is not of the form <prefix>_<base64 key>"};
  }
  const std::optional<std::string> key = detail::base64_decode(secret.substr(underscore + 1));
  if (!key || key->empty()) {
    return Error{ErrorCode::kInvalidArgument, "the signing secret's key is not standard base64"};
  }

  if (signature->size() > kMaxSignatureHeader) {
    return invalid_signature("header " + std::string(names.signature) + " is longer than 8 KiB");
  }
  std::uint64_t sent_at = 0;
  if (!parse_timestamp(*timestamp, sent_at)) {
    return invalid_signature("header " + std::string(names.timestamp) + " is not a decimal Unix time");
  }
  // Beyond any int64 clock; also keeps the unsigned differences below exact: with both values in
  // [INT64_MIN, INT64_MAX], the smaller subtracted from the larger fits in 64 unsigned bits.
  if (sent_at > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return invalid_signature("message timestamp too new");
  }
  const std::int64_t now = impl.now();
  const auto now_bits = static_cast<std::uint64_t>(now);
  if (now >= 0 && now_bits > sent_at) {
    if (now_bits - sent_at > kToleranceSeconds) return invalid_signature("message timestamp too old");
  } else if (sent_at - now_bits > kToleranceSeconds) {
    return invalid_signature("message timestamp too new");
  }

  const auto mac = compute_mac(*key, *id, *timestamp, payload);
  if (!mac) return mac.error();
  const std::string_view expected(reinterpret_cast<const char*>(mac->data()), mac->size());

  // "v1,<base64> v1,<base64> ...": any v1 entry may match (key rotation sends several); entries of
  // other versions are skipped, as are malformed ones.
  std::string_view rest = *signature;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view entry = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    const std::size_t comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    const std::optional<std::string> received = detail::base64_decode(entry.substr(comma + 1));
    if (received && detail::constant_time_equal(*received, expected)) return {};
  }
  return invalid_signature("no v1 signature matches the payload");
}

}  // namespace

Status Client::verify_webhook_payload(std::string_view secret, const std::map<std::string, std::string>& headers,
                                      std::string_view payload) const {
  return verify(*impl_, secret, headers, payload, kWebhookHeaders);
}

Status Client::verify_interceptor_payload(std::string_view secret, const std::map<std::string, std::string>& headers,
                                          std::string_view payload) const {
  return verify(*impl_, secret, headers, payload, kInterceptorHeaders);
}

}  // namespace gatehouse::sdk
