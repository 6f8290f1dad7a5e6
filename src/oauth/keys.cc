#include "oauth/keys.h"

#include "common/log.h"

namespace gatehouse::oauth {
namespace {

constexpr std::string_view kSealPurpose = "gatehouse signing keys v1";

crypto::Aead MakeAead(std::string_view master_key) {
  auto aead = crypto::Aead::Create(crypto::DeriveKey(master_key, kSealPurpose));
  // DeriveKey always yields kKeySize bytes, so Create cannot fail.
  return std::move(aead).value();
}

std::string_view StateName(store::KeyState s) {
  switch (s) {
    case store::KeyState::kNext: return "next";
    case store::KeyState::kActive: return "active";
    case store::KeyState::kRetired: return "retired";
  }
  return "unknown";
}

}  // namespace

KeyManager::KeyManager(store::Store& store, std::string_view master_key, Clock& clock, Random& random,
                       KeyPolicy policy)
    : store_(store), aead_(MakeAead(master_key)), clock_(clock), random_(random), policy_(policy) {}

Result<store::SigningKeyRecord> KeyManager::NewRecord(crypto::JwsAlg alg, store::KeyState state) {
  ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::SigningKey::Generate(alg));
  store::SigningKeyRecord r;
  r.kid = key.kid();
  r.alg = std::string(crypto::JwsAlgName(alg));
  r.state = state;
  r.public_jwk = key.PublicJwkJson();
  r.sealed_private_key = aead_.Seal(key.ToPkcs8Der(), r.kid, random_);
  r.created_at = clock_.NowSeconds();
  if (state == store::KeyState::kActive) r.activated_at = r.created_at;
  return r;
}

Status KeyManager::EnsureKeys() {
  std::lock_guard lock(mu_);
  const std::string alg(crypto::JwsAlgName(policy_.alg));
  ASSIGN_OR_RETURN(auto records, store_.ListSigningKeys());
  bool has_active = false, has_next = false;
  for (const auto& r : records) {
    if (r.alg != alg) continue;
    has_active |= r.state == store::KeyState::kActive;
    has_next |= r.state == store::KeyState::kNext;
  }
  // Another process may create the same missing key at the same moment; the store's
  // one-active/one-next constraint makes the loser's insert fail with kAlreadyExists, which is
  // as good as success here.
  if (!has_active) {
    ASSIGN_OR_RETURN(auto rec, NewRecord(policy_.alg, store::KeyState::kActive));
    if (Status s = store_.InsertSigningKey(rec); !s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
    log::Info("created signing key", {{"kid", rec.kid}, {"alg", rec.alg}, {"state", "active"}});
  }
  if (!has_next) {
    ASSIGN_OR_RETURN(auto rec, NewRecord(policy_.alg, store::KeyState::kNext));
    if (Status s = store_.InsertSigningKey(rec); !s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
    log::Info("created signing key", {{"kid", rec.kid}, {"alg", rec.alg}, {"state", "next"}});
  }
  return RefreshLocked();
}

Status KeyManager::Refresh() {
  std::lock_guard lock(mu_);
  return RefreshLocked();
}

Status KeyManager::RefreshLocked() {
  ASSIGN_OR_RETURN(auto records, store_.ListSigningKeys());
  const UnixSeconds now = clock_.NowSeconds();
  const std::string alg(crypto::JwsAlgName(policy_.alg));
  auto snap = std::make_shared<KeySnapshot>();
  snap->jwks_json = "{\"keys\":[";
  bool first = true;
  for (const auto& r : records) {
    if (r.state == store::KeyState::kRetired && r.expires_at <= now) continue;
    auto vk = crypto::VerificationKey::FromJwkJson(r.public_jwk);
    if (!vk.ok()) return DataLossError("stored public key " + r.kid + " is invalid: " + vk.error().message());
    snap->verification.push_back(*vk);
    if (!first) snap->jwks_json += ',';
    first = false;
    snap->jwks_json += r.public_jwk;
    if (r.state == store::KeyState::kActive && r.alg == alg) {
      auto der = aead_.Open(r.sealed_private_key, r.kid);
      if (!der.ok()) {
        return DataLossError("signing key " + r.kid +
                             " does not decrypt: the master key is not the one this store was created with");
      }
      auto parsed = crypto::SigningKey::FromPkcs8Der(policy_.alg, *der);
      if (!parsed.ok()) return DataLossError("signing key " + r.kid + " is corrupt: " + parsed.error().message());
      snap->signing = std::make_shared<const crypto::SigningKey>(std::move(parsed).value());
    }
  }
  snap->jwks_json += "]}";
  if (!snap->signing) return FailedPreconditionError("no active " + alg + " signing key; run gatehouse keys rotate");
  snapshot_.store(std::move(snap));
  return Status::Ok();
}

Result<std::string> KeyManager::Rotate() {
  std::lock_guard lock(mu_);
  const std::string alg(crypto::JwsAlgName(policy_.alg));
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(auto records, store_.ListSigningKeys());
    std::string active, next;
    for (const auto& r : records) {
      if (r.alg != alg) continue;
      if (r.state == store::KeyState::kActive) active = r.kid;
      if (r.state == store::KeyState::kNext) next = r.kid;
    }
    if (next.empty()) {
      ASSIGN_OR_RETURN(auto rec, NewRecord(policy_.alg, store::KeyState::kNext));
      if (Status s = store_.InsertSigningKey(rec); !s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
      continue;  // re-read and rotate with the key now published
    }
    ASSIGN_OR_RETURN(auto new_next, NewRecord(policy_.alg, store::KeyState::kNext));
    const UnixSeconds now = clock_.NowSeconds();
    Status s = store_.RotateSigningKeys(alg, active, next, new_next, now, now + policy_.retention.count());
    if (s.code() == StatusCode::kAborted) continue;  // another process rotated; look again
    RETURN_IF_ERROR(s);
    log::Info("rotated signing keys", {{"alg", alg}, {"active", next}, {"retired", active}, {"next", new_next.kid}});
    RETURN_IF_ERROR(RefreshLocked());
    return next;
  }
  return AbortedError("signing keys kept changing under this rotation; try again");
}

Status KeyManager::Maintain() {
  {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(int deleted, store_.DeleteExpiredSigningKeys(clock_.NowSeconds()));
    if (deleted > 0) log::Info("deleted expired signing keys", {{"count", static_cast<std::int64_t>(deleted)}});
  }
  if (policy_.rotation_period.count() > 0) {
    const std::string alg(crypto::JwsAlgName(policy_.alg));
    bool due = false;
    {
      std::lock_guard lock(mu_);
      ASSIGN_OR_RETURN(auto records, store_.ListSigningKeys());
      for (const auto& r : records) {
        if (r.alg == alg && r.state == store::KeyState::kActive &&
            r.activated_at + policy_.rotation_period.count() <= clock_.NowSeconds()) {
          due = true;
        }
      }
    }
    if (due) {
      auto rotated = Rotate();
      if (!rotated.ok()) return rotated.error();
      return Status::Ok();
    }
  }
  return Refresh();
}

Result<std::vector<KeyInfo>> KeyManager::List() {
  ASSIGN_OR_RETURN(auto records, store_.ListSigningKeys());
  std::vector<KeyInfo> out;
  for (const auto& r : records) {
    out.push_back({r.kid, r.alg, std::string(StateName(r.state)), r.created_at, r.activated_at, r.retired_at,
                   r.expires_at});
  }
  return out;
}

}  // namespace gatehouse::oauth
