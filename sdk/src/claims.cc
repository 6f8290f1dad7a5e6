// Claims: read-only accessors over a verified payload (detail::ClaimsData).
#include <cmath>
#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "claims_data.h"

namespace gatehouse::sdk {

const boost::json::object& detail::ClaimsData::payload() const {
  std::call_once(once_, [this] {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json_, ec);
    if (!ec && v.is_object()) {
      object_ = std::move(v.get_object());
      is_object_ = true;
    }
  });
  return object_;
}

std::string_view detail::ClaimsData::text() const {
  payload();
  return is_object_ ? std::string_view(json_) : std::string_view("{}");
}

namespace {

const boost::json::value* find(const std::shared_ptr<const detail::ClaimsData>& data, std::string_view name) {
  if (!data) return nullptr;
  const boost::json::object& payload = data->payload();
  auto it = payload.find(name);
  return it == payload.end() ? nullptr : &it->value();
}

}  // namespace

Claims::Claims() = default;
Claims::Claims(std::shared_ptr<const detail::ClaimsData> data) : data_(std::move(data)) {}

bool Claims::contains(std::string_view name) const { return find(data_, name) != nullptr; }

std::optional<std::string> Claims::string(std::string_view name) const {
  const boost::json::value* v = find(data_, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<std::int64_t> Claims::integer(std::string_view name) const {
  const boost::json::value* v = find(data_, name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    // 1.7e9 written as a double is still an integral time; 1.5 is not an integer.
    double d = v->get_double();
    if (!std::isfinite(d) || d != std::trunc(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<bool> Claims::boolean(std::string_view name) const {
  const boost::json::value* v = find(data_, name);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::vector<std::string> Claims::strings(std::string_view name) const {
  std::vector<std::string> out;
  const boost::json::value* v = find(data_, name);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.emplace_back(v->get_string());
  } else if (v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  }
  return out;
}

std::vector<std::string> Claims::scopes() const {
  const boost::json::value* v = find(data_, "scopes");
  if (v != nullptr && v->is_array()) return strings("scopes");
  std::vector<std::string> out;
  v = find(data_, "scope");
  if (v == nullptr || !v->is_string()) return out;
  std::string_view s = v->get_string();
  while (!s.empty()) {
    std::size_t space = s.find(' ');
    std::string_view word = s.substr(0, space);
    if (!word.empty()) out.emplace_back(word);
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

std::string Claims::json() const {
  if (!data_) return "{}";
  return std::string(data_->text());
}

}  // namespace gatehouse::sdk
