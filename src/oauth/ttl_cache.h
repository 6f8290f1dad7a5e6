// A small read-through cache whose entries live a fixed time: what the hot endpoints use instead
// of reading rarely-changing rows (clients, connections) from the store on every request.
//
// An entry lives `ttl` (2 s in production): a change made by the CLI or on another node takes
// effect on every node within that time. Failed loads (kNotFound included) are not cached, so a
// row created a moment later is seen at once. Bounded: when full it starts over rather than track
// recency (refilling is cheap). Thread safety: Get may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"

namespace gatehouse::oauth {

template <typename V>
class TtlCache {
 public:
  static constexpr std::size_t kMaxEntries = 10000;

  TtlCache(Clock& clock, std::chrono::milliseconds ttl) : clock_(clock), ttl_(ttl) {}

  // The value of `key`, from memory when fresh, else from load() (then remembered).
  Result<std::shared_ptr<const V>> Get(std::string_view key, const std::function<Result<V>()>& load) {
    const auto now = clock_.Now();
    {
      std::shared_lock lock(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end() && now - it->second.fetched < ttl_) return it->second.value;
    }
    ASSIGN_OR_RETURN(V value, load());
    auto shared = std::make_shared<const V>(std::move(value));
    std::unique_lock lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.insert_or_assign(std::string(key), Entry{shared, now});
    return shared;
  }

 private:
  struct Entry {
    std::shared_ptr<const V> value;
    std::chrono::system_clock::time_point fetched;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;  // guarded by mu_
};

}  // namespace gatehouse::oauth
