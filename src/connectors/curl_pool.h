// Idle libcurl easy handles kept for reuse, with their connection caches: what makes a
// connector's calls to the same server (SMTP sessions, HTTP keep-alive) skip the TCP and TLS
// handshakes. Shared by connectors/mail and connectors/http; header-only, so each links libcurl
// itself (scripts/check-layers keeps curl inside src/connectors).
//
// A handle is reset when it is given back (its options pointed into the finished call) and keeps
// its connections; libcurl closes one idle for longer than its maximum age itself. A caller whose
// transfer failed drops the handle instead of giving it back.
//
// Thread safety: Take and GiveBack may run concurrently from any thread.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace gatehouse::connectors {

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

class CurlHandlePool {
 public:
  // Handles beyond `max_idle` are closed when given back (0: nothing is kept).
  explicit CurlHandlePool(std::size_t max_idle) : max_idle_(max_idle) {}

  // An idle handle, or a new one (null only when libcurl cannot allocate one).
  CurlHandle Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CurlHandle h = std::move(idle_.back());
        idle_.pop_back();
        return h;
      }
    }
    return CurlHandle(curl_easy_init(), curl_easy_cleanup);
  }

  // For a handle whose transfer completed.
  void GiveBack(CurlHandle h) {
    curl_easy_reset(h.get());
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(h));
    // Otherwise h closes its connections (SMTP: QUIT) as it goes out of scope, after the lock
    // is released.
  }

 private:
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<CurlHandle> idle_;  // guarded by mu_
};

}  // namespace gatehouse::connectors
