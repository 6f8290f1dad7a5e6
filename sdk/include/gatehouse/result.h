// Errors as values: every SDK call that can fail returns a Result<T> (or a Status, which is
// Result<void>) instead of throwing. A malformed token, a server error, a timeout or a refused
// signature is an Error with a code; nothing in the SDK crashes or throws on bad input.
//
// The one exception is misuse: reading value() of a failed result (or error() of a successful
// one) throws BadResultAccess, as std::expected does, because that is a bug in the caller.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "gatehouse/export.h"
namespace gatehouse::sdk {

enum class ErrorCode {
  kInvalidArgument,    // the caller's input was refused before any network call
  kNetwork,            // no answer: connection refused, DNS, TLS verification, reset
  kTimeout,            // no complete answer within ClientOptions::timeout
  kServerError,        // the server answered with an error status; see http_status, oauth_error
  kInvalidResponse,    // the server answered 2xx with something the protocol does not allow
  kInvalidToken,       // malformed, unknown key, bad signature, wrong iss/aud/typ, bad nonce
  kTokenExpired,       // past its exp (beyond the leeway): refresh it or sign in again
  kInsufficientScope,  // a valid token that lacks a required scope
  kInvalidSignature,   // a webhook or interceptor payload whose signature or time is refused
  kInternal,           // the system's random generator or crypto library failed
};

// "invalid_token", "server_error" ...: stable names for logs and tests.
GATEHOUSE_SDK_API std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  // What went wrong, for logs. Never contains a token, code, secret or signature.
  std::string message;
  // kServerError (and kInvalidResponse): the HTTP status and, when the body was an OAuth error
  // (RFC 6749 §5.2), its "error" and "error_description".
  int http_status = 0;
  std::string oauth_error;
  std::string oauth_error_description;
};

class GATEHOUSE_SDK_API BadResultAccess : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}     // NOLINT: implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  const T& value() const& { check(true); return std::get<0>(v_); }
  T& value() & { check(true); return std::get<0>(v_); }
  T&& value() && { check(true); return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const& { check(false); return std::get<1>(v_); }
  Error&& error() && { check(false); return std::get<1>(std::move(v_)); }

 private:
  void check(bool want_value) const {
    if (ok() != want_value) {
      throw BadResultAccess(want_value ? "Result::value() on an error" : "Result::error() on a value");
    }
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const {
    if (ok_) throw BadResultAccess("Status::error() on success");
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace gatehouse::sdk
