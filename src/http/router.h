// Router: maps (method, path) to a handler. Each module mounts its own routes
// (`void Mount(http::Router&)`), so the routes of a module are listed in one place.
//
// Matching is exact on the normalized path (see Request::path), or by prefix for routes added
// with AddPrefix (for paths that carry an id, e.g. /sso/saml/metadata/{connection}). A path
// that matches with another method answers 405 with an Allow header; no match answers 404.
// GET routes also answer HEAD (the transport drops the body).
//
// Thread safety: routes are added before serving starts; Dispatch is then const and may run on
// any number of threads at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/metrics.h"
#include "http/request.h"

namespace gatehouse::http {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void Add(Method method, std::string path, Handler handler);
  // Matches any path that starts with `prefix` (which should end in '/'). Exact routes win.
  void AddPrefix(Method method, std::string prefix, Handler handler);

  // Where the transport runs a route's handler.
  enum class Lane {
    kLoop,      // on the event loop: the handler never waits on another server
    kOutbound,  // the blocking pool (ServerOptions::blocking_threads): it may wait on a server
                // the deployment runs for itself (SMTP)
    kUpstream,  // the upstream pool (ServerOptions::upstream_threads): it may wait on an identity
                // provider somebody else runs; one that hangs can fill this pool, never the other
  };
  // For handlers that may wait on another server: the transport runs them off the event loop,
  // so a slow server never stalls the loop other connections share.
  void AddBlocking(Method method, std::string path, Handler handler, Lane lane = Lane::kOutbound);
  // AddPrefix for handlers that may wait on another server (as AddBlocking).
  void AddPrefixBlocking(Method method, std::string prefix, Handler handler, Lane lane = Lane::kOutbound);
  // Requests under `prefix` (added with AddPrefix/AddPrefixBlocking) may carry a body of up to
  // `bytes`, more than ServerOptions::body_limit (a SAML response posted by the browser).
  void SetPrefixBodyLimit(const std::string& prefix, std::size_t bytes);
  // The body limit for a request to `path` (raw, before '?'): 0 for the server's default.
  std::size_t BodyLimitOf(std::string_view path) const;
  // The largest limit set with SetPrefixBodyLimit (0 when none).
  std::size_t LargestBodyLimit() const { return largest_body_limit_; }

  // The lane of the route `request` matches (for its method); kLoop when none matches.
  Lane LaneOf(const Request& request) const;
  bool IsBlocking(const Request& request) const { return LaneOf(request) != Lane::kLoop; }

  struct Outcome {
    Response response;
    RouteMetrics* metrics;  // where to record this request; never null
  };
  // Finds the handler and runs it. A handler that throws is answered 500 (and logged with the
  // request id); exceptions never reach the transport.
  Outcome Dispatch(const Request& request) const;

  // Counters are atomics, so recording through a const Router is safe.
  Metrics& metrics() const { return metrics_; }

 private:
  struct Entry {
    std::vector<std::pair<Method, Handler>> handlers;
    std::vector<std::pair<Method, Lane>> blocking;  // the methods added with AddBlocking
    RouteMetrics* metrics = nullptr;
    std::string allow;  // "GET, HEAD"
    std::size_t body_limit = 0;  // 0: ServerOptions::body_limit
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Entry& EntryFor(std::string pattern);
  Entry& PrefixEntryFor(const std::string& prefix);
  const Entry* Find(std::string_view path) const;
  Outcome Run(const Entry& entry, const Request& request) const;

  std::size_t largest_body_limit_ = 0;
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> exact_;
  std::vector<std::pair<std::string, Entry*>> prefixes_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> prefix_entries_;
  mutable Metrics metrics_;
};

}  // namespace gatehouse::http
