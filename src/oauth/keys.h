// KeyManager: the signing key set and its rotation policy.
//
// Policy (per algorithm, each key moving kNext -> kActive -> kRetired -> deleted):
//   * exactly one kActive key signs;
//   * one kNext key is always published in the JWKS before it signs, so relying parties that
//     fetch the JWKS once and cache it (every Scalekit SDK does: wire/scalekit-compat.md §(d))
//     already know the key that will sign after the next rotation;
//   * a rotation retires the active key, activates the next one and creates a new next one;
//   * a retired key stays in the JWKS for `retention` (longer than any token it signed lives),
//     then is deleted.
// Rotation happens on `gatehouse keys rotate` or, when rotation_period > 0, by the server once
// the active key is that old. The store's compare-and-swap (Store::RotateSigningKeys) makes
// concurrent rotations by several nodes or the CLI safe: exactly one wins, the others reload.
//
// Private keys are stored sealed (crypto::Aead, XChaCha20-Poly1305) under a key derived from
// the master key, with the kid as associated data, so a sealed key cannot be moved to another
// record.
//
// Thread safety: Current() may be called from any thread at any rate (a lock-free snapshot).
// EnsureKeys/Refresh/Rotate/Maintain may be called from any thread; they serialize internally.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "crypto/aead.h"
#include "crypto/jwk.h"
#include "store/store.h"

namespace gatehouse::oauth {

struct KeyPolicy {
  crypto::JwsAlg alg = crypto::JwsAlg::kRS256;  // the algorithm that signs
  std::chrono::seconds rotation_period{0};      // 0: rotate only when told to
  std::chrono::seconds retention{25 * 3600};    // must exceed the longest token lifetime
};

// What the server serves and signs with at one moment. Immutable once published.
struct KeySnapshot {
  std::string jwks_json;  // {"keys":[...]}: every kNext, kActive and unexpired kRetired key
  std::shared_ptr<const crypto::SigningKey> signing;  // the kActive key of policy.alg
  std::vector<crypto::VerificationKey> verification;  // the public halves of the published keys
};

struct KeyInfo {
  std::string kid;
  std::string alg;
  std::string state;  // "next" | "active" | "retired"
  UnixSeconds created_at = 0, activated_at = 0, retired_at = 0, expires_at = 0;
};

class KeyManager {
 public:
  // `master_key` is the deployment's 32-byte master key.
  KeyManager(store::Store& store, std::string_view master_key, Clock& clock, Random& random, KeyPolicy policy);

  // Makes sure policy.alg has an active and a next key (creating them on the first run), then
  // loads the snapshot. kDataLoss when stored keys do not decrypt (wrong master key).
  Status EnsureKeys();
  // Reloads the snapshot from the store (picks up rotations made by the CLI or other nodes).
  Status Refresh();
  // Rotates policy.alg now; returns the kid that now signs.
  Result<std::string> Rotate();
  // Periodic upkeep: rotates when the active key is older than rotation_period, deletes expired
  // retired keys, refreshes the snapshot.
  Status Maintain();

  std::shared_ptr<const KeySnapshot> Current() const { return snapshot_.load(); }
  Result<std::vector<KeyInfo>> List();

 private:
  Result<store::SigningKeyRecord> NewRecord(crypto::JwsAlg alg, store::KeyState state);
  Status RefreshLocked();

  store::Store& store_;
  crypto::Aead aead_;
  Clock& clock_;
  Random& random_;
  KeyPolicy policy_;
  std::mutex mu_;  // serializes writers and reloads
  std::atomic<std::shared_ptr<const KeySnapshot>> snapshot_;
};

}  // namespace gatehouse::oauth
