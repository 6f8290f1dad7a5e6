// detail::ClaimsData: the verified payload behind a Claims value. Internal (not installed).
//
// It keeps the payload's JSON text and parses it into an object on first use: validation itself
// reads only a few members (with a scan, see jose_scan.h), and building the whole object costs
// more than the rest of a validation bar the signature check, so an application that only asks
// "is this token valid" never pays for it.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "gatehouse/claims.h"

namespace gatehouse::sdk::detail {

struct ClaimsData {
 public:
  // `json`: a JSON object's text (validated by the caller; anything else reads as no claims).
  explicit ClaimsData(std::string json) : json_(std::move(json)) {}

  // Parsed once, on the first call from any thread.
  const boost::json::object& payload() const;
  // The payload's own text when it is a JSON object, else "{}". The text, not a re-serialization:
  // Boost.JSON would write a number beyond double range (1e400) as Infinity, which is not JSON.
  std::string_view text() const;

 private:
  std::string json_;
  mutable std::once_flag once_;
  mutable boost::json::object object_;
  mutable bool is_object_ = false;
};

}  // namespace gatehouse::sdk::detail
