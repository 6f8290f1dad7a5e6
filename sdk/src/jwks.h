// JSON Web Key Sets (RFC 7517) for verifying the server's tokens: parsing a JWKS into public
// keys, verifying a JWS signature with one, and the per-client cache of the server's key set.
// OpenSSL stays inside jwks.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/result.h"
#include "http.h"

namespace gatehouse::sdk::detail {

enum class JwsAlg : std::uint8_t { kRS256, kES256 };

// "RS256" / "ES256", exactly (case-sensitive, as RFC 7515 names are) into `out`; false otherwise.
bool parse_jws_alg(std::string_view name, JwsAlg& out);

// A public key bound to one algorithm. Immutable to its users; verify() is safe to call from
// many threads at once.
class VerifyKey {
 public:
  ~VerifyKey();
  VerifyKey(const VerifyKey&) = delete;
  VerifyKey& operator=(const VerifyKey&) = delete;

  const std::string& kid() const { return kid_; }
  JwsAlg alg() const { return alg_; }
  // True only for a valid signature by this key over `signing_input` (the ASCII
  // "header.payload"): RS256 = RSASSA-PKCS1-v1_5 with SHA-256, the signature exactly the
  // modulus size; ES256 = ECDSA P-256 SHA-256, the signature 64 bytes R||S. Never throws.
  bool verify(std::string_view signing_input, std::string_view signature) const;

  struct State;  // jwks.cc: the EVP_PKEY and a pool of verification contexts

 private:
  friend struct KeyParser;
  VerifyKey(std::string kid, JwsAlg alg, std::unique_ptr<State> state);
  std::string kid_;
  JwsAlg alg_;
  std::unique_ptr<State> state_;
};

using KeyRef = std::shared_ptr<const VerifyKey>;

struct KeySet {
  std::vector<KeyRef> keys;
  const VerifyKey* find(std::string_view kid) const;  // nullptr when absent
};

// Parses {"keys":[...]}. Usable keys: kty RSA (n, e; modulus >= 2048 bits) or EC (crv P-256, x,
// y), with a string kid. Skipped (not an error): `use` other than "sig", `key_ops` without
// "verify", private members ("d" ...), unknown kty or crv, `alg` other than RS256/ES256 or not
// matching kty, malformed members. A key's algorithm is its `alg`, else RS256 (RSA) / ES256 (EC).
// kInvalidResponse when the document is not such an object or no key is usable.
Result<std::shared_ptr<const KeySet>> parse_jwks(std::string_view json);

// The server's key set, fetched lazily from {environment_url}/keys and cached.
//
// find(kid): the cached key when known. Otherwise a fetch, when allowed: always for the first
// need; afterwards at most once per refresh_interval (measured from the last fetch attempt,
// successful or not) so that tokens with made-up kids cannot make the application hammer the
// server; while nothing could be fetched yet, retries come at most once a second. One fetch at
// a time: concurrent callers wait for the fetch in flight and use its result. A failed fetch
// keeps the old keys.
//
// The hot path (kid known, set unchanged since this thread last looked) is one atomic load of a
// generation counter and a short linear search: each thread keeps its own reference to the
// current set, so concurrent validations do not contend on a reference count.
class JwksCache {
 public:
  JwksCache(const HttpClient& http, std::string url, std::chrono::seconds refresh_interval);

  // The key, valid until this thread's next find() on any JwksCache (the thread holds the set it
  // belongs to). kInvalidToken "unknown kid" when the key is not in the (possibly refreshed) set;
  // the fetch's own error (kNetwork, kTimeout, kServerError, kInvalidResponse) when no key set
  // could be fetched at all.
  Result<const VerifyKey*> find(std::string_view kid);

 private:
  Result<std::shared_ptr<const KeySet>> fetch();

  const HttpClient& http_;
  const std::string url_;
  const std::chrono::steady_clock::duration refresh_interval_;

  const std::uint64_t id_;  // unique per cache (a thread's snapshot names the cache it came from)
  std::atomic<std::shared_ptr<const KeySet>> keys_;
  std::atomic<std::uint64_t> generation_{0};  // bumped after each store to keys_
  std::mutex fetch_mu_;  // held for the duration of a fetch; guards the fields below
  bool attempted_ = false;
  std::chrono::steady_clock::time_point last_attempt_;
  Error last_error_;  // of the last failed fetch, returned while nothing is cached
};

}  // namespace gatehouse::sdk::detail
