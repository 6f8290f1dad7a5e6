#include "login/form.h"

#include "common/url.h"

namespace gatehouse::login {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

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

bool IsFormUrlEncoded(const http::Request& request) {
  if (request.HeaderCount("Content-Type") != 1) return false;
  std::string_view type = request.Header("Content-Type");
  type = Trim(type.substr(0, type.find(';')));
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (type.size() != kForm.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (Lower(type[i]) != kForm[i]) return false;
  }
  return true;
}

std::optional<std::string> ValidateEmail(std::string_view input) {
  std::string_view email = Trim(input);
  if (email.empty() || email.size() > kMaxEmail) return std::nullopt;
  for (char c : email) {
    if (c == ' ' || IsControl(static_cast<unsigned char>(c))) return std::nullopt;
  }
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) return std::nullopt;
  std::string_view domain = email.substr(at + 1);
  if (domain.find('.') == std::string_view::npos) return std::nullopt;
  // Labels are non-empty: no leading, trailing or doubled dot.
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return std::nullopt;
  return std::string(email);
}

std::optional<std::string> ValidateName(std::string_view input) {
  std::string_view name = Trim(input);
  if (name.size() > kMaxName) return std::nullopt;
  for (char c : name) {
    if (IsControl(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::string(name);
}

}  // namespace gatehouse::login
