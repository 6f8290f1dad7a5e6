#include "http/metrics.h"

#include <cstdio>

namespace gatehouse::http {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

std::string Labels(const std::string& route) {
  // Route names are our own literals (no quotes or backslashes), so no escaping is needed.
  return "route=\"" + route + "\"";
}

}  // namespace

void RouteMetrics::Record(int status, double seconds) {
  std::size_t slot = kStatuses.size() + static_cast<std::size_t>(status / 100 - 1);
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) {
      slot = i;
      break;
    }
  }
  if (slot >= by_status_.size()) slot = by_status_.size() - 1;
  by_status_[slot].fetch_add(1, kRelaxed);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  buckets_[b].fetch_add(1, kRelaxed);
  count_.fetch_add(1, kRelaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), kRelaxed);
}

void RouteMetrics::Render(std::string& out) const {
  const std::string labels = Labels(route_);
  char line[256];
  for (std::size_t i = 0; i < by_status_.size(); ++i) {
    std::uint64_t v = by_status_[i].load(kRelaxed);
    if (v == 0) continue;
    std::string code = i < kStatuses.size() ? std::to_string(kStatuses[i])
                                            : std::to_string(i - kStatuses.size() + 1) + "xx";
    std::snprintf(line, sizeof line, "gatehouse_http_requests_total{%s,code=\"%s\"} %llu\n", labels.c_str(),
                  code.c_str(), static_cast<unsigned long long>(v));
    out += line;
  }
  std::uint64_t count = count_.load(kRelaxed);
  if (count == 0) return;
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    cumulative += buckets_[b].load(kRelaxed);
    if (b < kBuckets.size()) {
      std::snprintf(line, sizeof line, "gatehouse_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
                    labels.c_str(), kBuckets[b], static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "gatehouse_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
                    labels.c_str(), static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "gatehouse_http_request_duration_seconds_sum{%s} %.6f\n", labels.c_str(),
                static_cast<double>(sum_micros_.load(kRelaxed)) / 1e6);
  out += line;
  std::snprintf(line, sizeof line, "gatehouse_http_request_duration_seconds_count{%s} %llu\n", labels.c_str(),
                static_cast<unsigned long long>(cumulative));
  out += line;
}

RouteMetrics* Metrics::AddRoute(std::string route) {
  for (auto& r : routes_) {
    if (r.route() == route) return &r;
  }
  return &routes_.emplace_back(std::move(route));
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(4096);
  out += "# HELP gatehouse_http_requests_total HTTP requests answered, by route and status code.\n";
  out += "# TYPE gatehouse_http_requests_total counter\n";
  std::string hist;
  for (const auto& r : routes_) {
    std::string part;
    r.Render(part);
    for (std::size_t pos = 0; pos < part.size();) {
      std::size_t nl = part.find('\n', pos);
      std::string_view l(part.data() + pos, nl - pos + 1);
      (l.starts_with("gatehouse_http_requests_total") ? out : hist) += l;
      pos = nl + 1;
    }
  }
  out += "# HELP gatehouse_http_request_duration_seconds Time from a complete request to its response.\n";
  out += "# TYPE gatehouse_http_request_duration_seconds histogram\n";
  out += hist;
  out += "# HELP gatehouse_http_connections_active Open client connections.\n";
  out += "# TYPE gatehouse_http_connections_active gauge\n";
  out += "gatehouse_http_connections_active " + std::to_string(connections_active_.load(kRelaxed)) + "\n";
  out += "# HELP gatehouse_http_connections_total Client connections accepted.\n";
  out += "# TYPE gatehouse_http_connections_total counter\n";
  out += "gatehouse_http_connections_total " + std::to_string(connections_total_.load(kRelaxed)) + "\n";
  out += "# HELP gatehouse_http_connections_rejected_total Connections refused at the connection limit.\n";
  out += "# TYPE gatehouse_http_connections_rejected_total counter\n";
  out += "gatehouse_http_connections_rejected_total " + std::to_string(connections_rejected_.load(kRelaxed)) + "\n";
  return out;
}

}  // namespace gatehouse::http
