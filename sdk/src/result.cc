#include "gatehouse/result.h"

namespace gatehouse::sdk {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNetwork: return "network_error";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kServerError: return "server_error";
    case ErrorCode::kInvalidResponse: return "invalid_response";
    case ErrorCode::kInvalidToken: return "invalid_token";
    case ErrorCode::kTokenExpired: return "token_expired";
    case ErrorCode::kInsufficientScope: return "insufficient_scope";
    case ErrorCode::kInvalidSignature: return "invalid_signature";
    case ErrorCode::kInternal: return "internal_error";
  }
  return "unknown";
}

}  // namespace gatehouse::sdk
