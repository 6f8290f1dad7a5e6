// The login transaction: everything a valid authorization request asked for, carried through
// the hosted login steps until a code is issued (DESIGN.md §2).
//
// It is not stored: it is sealed (XChaCha20-Poly1305 under a key derived from the master key) into
// an opaque token that travels in the login pages' URLs and forms. So /oauth/authorize writes
// nothing (it stays cheap under load), the transaction survives restarts, and any node holding
// the master key can continue it. Tampering makes it fail to open; it expires 10 minutes after
// creation; the client and redirect URI inside it are the ones checked at /oauth/authorize, so
// it cannot be pointed at another client. Single use is enforced when the code is issued (the
// transaction id is consumed in the store then).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "crypto/aead.h"

namespace gatehouse::oauth {

inline constexpr UnixSeconds kTransactionLifetime = 600;

enum class ResponseMode { kQuery, kFormPost };

// Prompt values (OIDC Core §3.1.2.1, plus Scalekit's "create"); a request may carry several.
struct Prompt {
  bool none = false;
  bool login = false;
  bool consent = false;
  bool select_account = false;
  bool create = false;
  bool operator==(const Prompt&) const = default;
};

struct LoginTransaction {
  std::string id;            // random, base64url; names the transaction in logs and for single use
  std::string client_id;
  std::string redirect_uri;  // exactly as registered and requested
  std::vector<std::string> scopes;
  std::string state;         // returned byte for byte; may be empty
  std::string nonce;
  std::string code_challenge;  // S256 only; empty when the client sent none
  Prompt prompt;
  std::optional<std::int64_t> max_age;
  ResponseMode response_mode = ResponseMode::kQuery;
  std::string organization_id;  // requested (validated) organization, or empty
  std::string connection_id;    // the connection routing chose or was asked for, or empty
  std::string login_hint;
  std::string domain_hint;
  std::string provider;
  std::string name;  // the name typed on the sign-up page, kept for the user created at the end
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;

  bool operator==(const LoginTransaction&) const = default;
};

// Seals and opens transactions. Thread-safe (immutable after construction).
class TransactionSealer {
 public:
  TransactionSealer(std::string_view master_key, Clock& clock, Random& random);

  // Sets id, created_at and expires_at, then seals. The result is URL-safe (base64url).
  std::string Seal(LoginTransaction& tx) const;
  // kInvalidArgument for a malformed, tampered or foreign token; kDeadlineExceeded-like
  // kFailedPrecondition ("expired") after expires_at. Never returns a transaction that failed
  // either check.
  Result<LoginTransaction> Open(std::string_view token) const;

 private:
  crypto::Aead aead_;
  Clock& clock_;
  Random& random_;
};

}  // namespace gatehouse::oauth
