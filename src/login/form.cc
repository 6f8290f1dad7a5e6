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

}  // namespace

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
