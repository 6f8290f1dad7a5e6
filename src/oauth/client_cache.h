// A short-lived cache of clients for the hot endpoints (/oauth/authorize, later /oauth/token).
//
// Looking a client up in SQLite costs a pooled connection, a file lock and a statement per
// request; the cache answers from memory. Entries live `ttl` (2 s in production): a change made by
// the CLI or on another node (a removed redirect URI, a deleted client) takes effect on every node
// within that time. Unknown ids are not cached, so a typo'd client id registered a moment later
// works at once. Thread safety: Get may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace gatehouse::oauth {

class ClientCache {
 public:
  static constexpr std::size_t kMaxEntries = 10000;

  ClientCache(store::Store& store, Clock& clock, std::chrono::milliseconds ttl);

  // The client, from memory when fresh, else from the store. kNotFound for an unknown id.
  Result<std::shared_ptr<const store::Client>> Get(std::string_view id);

 private:
  struct Entry {
    std::shared_ptr<const store::Client> client;
    std::chrono::system_clock::time_point fetched;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  store::Store& store_;
  Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;  // guarded by mu_
};

}  // namespace gatehouse::oauth
