// A one-pass scan of a JSON object's top-level members, for the JOSE header and the JWT payload.
//
// Why not parse into a boost::json::value: building the value (allocating every key and string)
// costs more than all the rest of a token validation save the RSA operation, and validation
// needs only a handful of members. The scan runs Boost.JSON's own tokenizer (basic_parser: full
// syntax and UTF-8 checks, the same limits as boost::json::parse), so a text it accepts is one
// boost::json::parse accepts, and a member seen twice counts as its last occurrence, as in the
// object boost::json::parse builds.
//
// ScanHandler<Visitor> calls, for each top-level member, in order:
//   visitor.on_member(key)                      the key (unescaped), before its value
//   visitor.on_string(s)                        the value is a string
//   visitor.on_number(i64, is_int, d)           the value is a number (is_int: exact int64 in i64)
//   visitor.on_array_begin()                    the value is an array ...
//   visitor.on_element_string(s)                ... one of its string elements (others skipped)
//   visitor.on_other()                          the value is an object, a bool or null
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/basic_parser_impl.hpp>

namespace gatehouse::sdk::detail {

template <class Visitor>
class ScanHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  explicit ScanHandler(Visitor& visitor) : v_(visitor) {}

  bool root_is_object() const { return root_object_; }

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }

  bool on_object_begin(boost::json::error_code&) {
    if (depth_ == 0) root_object_ = true;
    if (member_level()) {
      v_.on_other();
      array_depth2_ = false;
    }
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, boost::json::error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(boost::json::error_code&) {
    if (member_level()) {
      array_depth2_ = true;
      v_.on_array_begin();
    }
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, boost::json::error_code&) {
    --depth_;
    return true;
  }

  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    if (member_level()) part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    if (member_level()) v_.on_member(whole(s));
    part_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    if (member_level() || (depth_ == 2 && array_depth2_)) part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    if (member_level()) {
      v_.on_string(whole(s));
    } else if (depth_ == 2 && array_depth2_) {
      v_.on_element_string(whole(s));
    }
    part_.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    if (member_level()) v_.on_number(i, true, static_cast<double>(i));
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    if (member_level()) v_.on_number(0, false, static_cast<double>(u));
    return true;
  }
  bool on_double(double d, boost::json::string_view, boost::json::error_code&) {
    if (member_level()) v_.on_number(0, false, d);
    return true;
  }
  bool on_bool(bool, boost::json::error_code&) {
    if (member_level()) v_.on_other();
    return true;
  }
  bool on_null(boost::json::error_code&) {
    if (member_level()) v_.on_other();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

 private:
  // Depth 1 holds the top-level members only when the root is an object: a root array's elements
  // (scan_object refuses that document anyway) are not members and reach the visitor not at all.
  bool member_level() const { return depth_ == 1 && root_object_; }

  // A key or string the tokenizer delivered in pieces (escapes, chunked input) is reassembled.
  std::string_view whole(boost::json::string_view last) {
    if (part_.empty()) return {last.data(), last.size()};
    part_.append(last.data(), last.size());
    return part_;
  }

  Visitor& v_;
  std::size_t depth_ = 0;
  bool root_object_ = false;
  bool array_depth2_ = false;  // the current top-level value is an array
  std::string part_;
};

// Scans `json` (a whole document); false when it is not valid JSON or not an object.
template <class Visitor>
bool scan_object(std::string_view json, Visitor& visitor) {
  boost::json::basic_parser<ScanHandler<Visitor>> parser(boost::json::parse_options{}, visitor);
  boost::json::error_code ec;
  const std::size_t n = parser.write_some(false, json.data(), json.size(), ec);
  return !ec && n == json.size() && parser.handler().root_is_object();
}

}  // namespace gatehouse::sdk::detail
