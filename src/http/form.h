// A decoded application/x-www-form-urlencoded body (or query string), the one parser of form
// input for every module: each field at most once, so handlers only see unambiguous values.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/request.h"

namespace gatehouse::http {

class Form {
 public:
  // kInvalidArgument for a malformed encoding, invalid UTF-8, too many fields, or a field that
  // appears twice (a repeated field is ambiguous; we refuse rather than pick one).
  static Result<Form> Parse(std::string_view encoded);

  // The field's value, or empty when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Every field, by name.
  const std::map<std::string, std::string, std::less<>>& fields() const { return fields_; }

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

// True when the request has exactly one Content-Type and its media type is
// application/x-www-form-urlencoded (case-insensitive; parameters such as charset ignored).
bool IsFormUrlEncoded(const Request& request);

}  // namespace gatehouse::http
