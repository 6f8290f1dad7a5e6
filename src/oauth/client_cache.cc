#include "oauth/client_cache.h"

#include <mutex>

namespace gatehouse::oauth {

ClientCache::ClientCache(store::Store& store, Clock& clock, std::chrono::milliseconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

Result<std::shared_ptr<const store::Client>> ClientCache::Get(std::string_view id) {
  const auto now = clock_.Now();
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end() && now - it->second.fetched < ttl_) return it->second.client;
  }
  ASSIGN_OR_RETURN(store::Client client, store_.GetClient(id));
  auto shared = std::make_shared<const store::Client>(std::move(client));
  std::unique_lock lock(mu_);
  // Bounded: when full, start over rather than track recency (refilling is cheap).
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.insert_or_assign(std::string(id), Entry{shared, now});
  return shared;
}

}  // namespace gatehouse::oauth
