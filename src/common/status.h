// Status and Result<T>: how Gatehouse reports internal failures.
//
// Internal failures (a row that is not there, a database that is down, a key that does not
// decrypt) travel as Status values, never as exceptions. Protocol errors that a client must see
// (OAuth `invalid_request` and friends) are a different type, defined by the protocol layer;
// the two are never mixed (STYLE.md §2.4).
//
// Codes are a small canonical set, after abseil's status.h: return the most specific one that
// applies (kNotFound or kAlreadyExists rather than kFailedPrecondition).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gatehouse {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a create found the id or unique key taken
  kFailedPrecondition,  // the system is not in a state where this is allowed
  kAborted,             // a compare-and-swap lost a race; the caller may retry
  kUnauthenticated,     // credentials missing or wrong
  kPermissionDenied,    // authenticated, but not allowed
  kResourceExhausted,   // a limit was hit
  kUnavailable,         // a dependency is down; retrying later may work
  kDataLoss,            // stored data is corrupt or does not decrypt
  kInternal,            // a bug or an invariant broken
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // A human-readable explanation for logs and operators; never shown to OAuth clients.
  const std::string& message() const { return message_; }
  // "NOT_FOUND: client skc_x does not exist"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T> holds either a T or a non-OK Status. The API follows absl::StatusOr / std::expected
// (has_value, value, operator*, error) so that a later move to std::expected is mechanical.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {          // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure; an OK Status when the result holds a value.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  const Status& error() const { assert(!ok()); return std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace gatehouse

#define GH_CONCAT_INNER_(a, b) a##b
#define GH_CONCAT_(a, b) GH_CONCAT_INNER_(a, b)

// RETURN_IF_ERROR(expr): expr yields a Status; returns it from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::gatehouse::Status gh_status_ = (expr);         \
    if (!gh_status_.ok()) return gh_status_;         \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): expr yields a Result<T>; on failure returns its Status,
// otherwise moves the value into lhs (which may be a declaration: `auto x`).
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL_(GH_CONCAT_(gh_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.error();           \
  lhs = std::move(tmp).value()
