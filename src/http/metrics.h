// Per-route request counters and latency histograms, rendered in the Prometheus text format
// (version 0.0.4) at /metrics.
//
// Recording is lock-free (relaxed atomics) because it runs on every request; routes are
// registered before the server starts and never removed, so the structure itself is immutable
// while serving. Thread safety: Record and Render may run concurrently from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace gatehouse::http {

class RouteMetrics {
 public:
  // Latency bucket upper bounds, seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  // Status codes counted individually; everything else lands in "other" per class.
  static constexpr std::array<int, 17> kStatuses = {200, 201, 204, 302, 303, 304, 400, 401, 403,
                                                    404, 405, 408, 413, 429, 431, 500, 503};

  explicit RouteMetrics(std::string route) : route_(std::move(route)) {}

  void Record(int status, double seconds);
  void Render(std::string& out) const;
  const std::string& route() const { return route_; }

 private:
  std::string route_;
  alignas(64) std::array<std::atomic<std::uint64_t>, kStatuses.size() + 5> by_status_{};  // + 1xx..5xx "other"
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};                 // last = +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  // Returns a stable pointer; call only before serving starts.
  RouteMetrics* AddRoute(std::string route);
  RouteMetrics* unmatched() { return unmatched_; }

  std::atomic<std::int64_t>& connections_active() { return connections_active_; }
  std::atomic<std::uint64_t>& connections_total() { return connections_total_; }
  std::atomic<std::uint64_t>& connections_rejected() { return connections_rejected_; }

  std::string Render() const;

  Metrics() { unmatched_ = AddRoute("unmatched"); }

 private:
  std::deque<RouteMetrics> routes_;  // deque: addresses stay valid as routes are added
  RouteMetrics* unmatched_ = nullptr;
  std::atomic<std::int64_t> connections_active_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> connections_rejected_{0};
};

}  // namespace gatehouse::http
