// Short-lived caches of clients and connections for the hot endpoints (/oauth/authorize, the
// hosted pages, later /oauth/token), built on TtlCache (ttl_cache.h): looking a client up in
// SQLite costs a pooled connection and a statement per request; the caches answer from memory.
// Entries live `ttl` (2 s in production), so a change made by the CLI or on another node (a
// removed redirect URI, a disabled connection) takes effect everywhere within that time. Unknown
// ids are not cached. Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "oauth/ttl_cache.h"
#include "store/store.h"

namespace gatehouse::oauth {

class ClientCache {
 public:
  ClientCache(store::Store& store, Clock& clock, std::chrono::milliseconds ttl) : store_(store), cache_(clock, ttl) {}

  // The client, from memory when fresh, else from the store. kNotFound for an unknown id.
  Result<std::shared_ptr<const store::Client>> Get(std::string_view id) {
    return cache_.Get(id, [&] { return store_.GetClient(id); });
  }

 private:
  store::Store& store_;
  TtlCache<store::Client> cache_;
};

class ConnectionCache {
 public:
  ConnectionCache(store::Store& store, Clock& clock, std::chrono::milliseconds ttl)
      : store_(store), cache_(clock, ttl) {}

  // store::Store::ListConnections(organization_id): one organization's connections, or the
  // environment-wide ones for "".
  Result<std::shared_ptr<const std::vector<store::Connection>>> List(std::string_view organization_id) {
    return cache_.Get(organization_id, [&] { return store_.ListConnections(organization_id); });
  }

 private:
  store::Store& store_;
  TtlCache<std::vector<store::Connection>> cache_;
};

}  // namespace gatehouse::oauth
