#include "http/router.h"

#include <algorithm>
#include <exception>

#include "common/log.h"

namespace gatehouse::http {
namespace {

void AddHandler(std::vector<std::pair<Method, Handler>>& handlers, std::string& allow, Method method,
                Handler handler) {
  handlers.emplace_back(method, std::move(handler));
  auto append = [&allow](std::string_view m) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  };
  append(MethodName(method));
  if (method == Method::kGet) append("HEAD");
}

}  // namespace

Router::Entry& Router::EntryFor(std::string pattern) {
  auto it = exact_.find(pattern);
  if (it == exact_.end()) {
    it = exact_.emplace(pattern, Entry{}).first;
    it->second.metrics = metrics_.AddRoute(pattern);
  }
  return it->second;
}

void Router::Add(Method method, std::string path, Handler handler) {
  Entry& e = EntryFor(std::move(path));
  AddHandler(e.handlers, e.allow, method, std::move(handler));
}

void Router::AddBlocking(Method method, std::string path, Handler handler, Lane lane) {
  Entry& e = EntryFor(std::move(path));
  AddHandler(e.handlers, e.allow, method, std::move(handler));
  e.blocking.emplace_back(method, lane);
}

Router::Lane Router::LaneOf(const Request& request) const {
  const Entry* entry = Find(request.path);
  if (entry == nullptr) return Lane::kLoop;
  const Method wanted = request.method == Method::kHead ? Method::kGet : request.method;
  for (const auto& [method, lane] : entry->blocking) {
    if (method == wanted) return lane;
  }
  return Lane::kLoop;
}

const Router::Entry* Router::Find(std::string_view path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return &it->second;
  for (const auto& [prefix, entry] : prefixes_) {
    if (path.starts_with(prefix)) return entry;
  }
  return nullptr;
}

Router::Entry& Router::PrefixEntryFor(const std::string& prefix) {
  auto& slot = prefix_entries_[prefix];
  if (!slot) {
    slot = std::make_unique<Entry>();
    slot->metrics = metrics_.AddRoute(prefix + "*");
    prefixes_.emplace_back(prefix, slot.get());
  }
  return *slot;
}

void Router::AddPrefix(Method method, std::string prefix, Handler handler) {
  Entry& e = PrefixEntryFor(prefix);
  AddHandler(e.handlers, e.allow, method, std::move(handler));
}

void Router::AddPrefixBlocking(Method method, std::string prefix, Handler handler, Lane lane) {
  Entry& e = PrefixEntryFor(prefix);
  AddHandler(e.handlers, e.allow, method, std::move(handler));
  e.blocking.emplace_back(method, lane);
}

void Router::SetPrefixBodyLimit(const std::string& prefix, std::size_t bytes) {
  PrefixEntryFor(prefix).body_limit = bytes;
  largest_body_limit_ = std::max(largest_body_limit_, bytes);
}

std::size_t Router::BodyLimitOf(std::string_view path) const {
  const Entry* entry = Find(path);
  return entry == nullptr ? 0 : entry->body_limit;
}

Router::Outcome Router::Dispatch(const Request& request) const {
  if (const Entry* entry = Find(request.path)) return Run(*entry, request);
  return {Response::JsonError(404, "not_found", "no such endpoint"), metrics_.unmatched()};
}

Router::Outcome Router::Run(const Entry& entry, const Request& request) const {
  const Method wanted = request.method == Method::kHead ? Method::kGet : request.method;
  for (const auto& [method, handler] : entry.handlers) {
    if (method != wanted) continue;
    try {
      return {handler(request), entry.metrics};
    } catch (const std::exception& e) {
      log::Error("handler threw", {{"request_id", request.request_id}, {"route", entry.metrics->route()},
                                    {"error", std::string_view(e.what())}});
    } catch (...) {
      log::Error("handler threw", {{"request_id", request.request_id}, {"route", entry.metrics->route()}});
    }
    return {Response::JsonError(500, "server_error", "internal error; see the server log for the request id"),
            entry.metrics};
  }
  Response r = Response::JsonError(405, "method_not_allowed", "method not allowed for this endpoint");
  r.Set("Allow", entry.allow);
  return {std::move(r), entry.metrics};
}

}  // namespace gatehouse::http
