#include "http/form.h"

#include "common/strings.h"
#include "common/url.h"

namespace gatehouse::http {

Result<Form> Form::Parse(std::string_view encoded) {
  ASSIGN_OR_RETURN(QueryParams params, ParseQuery(encoded));
  Form form;
  for (auto& [k, v] : params) {
    if (!form.fields_.emplace(std::move(k), std::move(v)).second) {
      return InvalidArgumentError("a form field is repeated");
    }
  }
  return form;
}

std::string_view Form::Get(std::string_view name) const {
  auto it = fields_.find(name);
  return it == fields_.end() ? std::string_view() : std::string_view(it->second);
}

bool Form::Has(std::string_view name) const { return fields_.find(name) != fields_.end(); }

bool IsFormUrlEncoded(const Request& request) {
  if (request.HeaderCount("Content-Type") != 1) return false;
  std::string_view type = request.Header("Content-Type");
  return AsciiLower(TrimBlanks(type.substr(0, type.find(';')))) == "application/x-www-form-urlencoded";
}

}  // namespace gatehouse::http
