// Claims: the payload of a verified JWT, read by name.
//
// A Claims value only ever comes out of a successful verification (Client::validate_token and
// friends) or a token response; it is immutable and cheap to copy (the parsed JSON is shared).
// Accessors never throw: a claim that is absent or of another JSON type reads as empty.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/export.h"
namespace gatehouse::sdk {

namespace detail {
struct ClaimsData;
}

class GATEHOUSE_SDK_API Claims {
 public:
  Claims();  // no claims

  bool contains(std::string_view name) const;
  // A JSON string.
  std::optional<std::string> string(std::string_view name) const;
  // A JSON number with an integral value (exp, iat, nbf, auth_time ...).
  std::optional<std::int64_t> integer(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;
  // A JSON array's string elements (other elements skipped), or a single string as one element
  // ("aud" may be either).
  std::vector<std::string> strings(std::string_view name) const;
  // The granted scopes: the "scopes" array when present, else the "scope" string split on spaces.
  std::vector<std::string> scopes() const;
  // The whole payload as compact JSON text (for claims the accessors do not cover: objects).
  std::string json() const;

  explicit Claims(std::shared_ptr<const detail::ClaimsData> data);  // used by the SDK itself

 private:
  std::shared_ptr<const detail::ClaimsData> data_;
};

}  // namespace gatehouse::sdk
