// Clock: the only source of "now" in Gatehouse. Production code takes a Clock& and never calls
// std::chrono::system_clock directly, so that tests can move time (expiry, key rotation)
// without sleeping.
//
// Thread safety: every Clock implementation may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gatehouse {

// Seconds since the Unix epoch, UTC. Everything stored or put in a token uses this resolution.
using UnixSeconds = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, UTC.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  UnixSeconds NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance; SystemClock has no state.
  static SystemClock& Instance();
};

// A clock for tests: starts at a fixed time and moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixSeconds start = 1'800'000'000) : now_us_(start * 1'000'000) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::microseconds(now_us_.load()));
  }
  void Advance(std::chrono::microseconds d) { now_us_ += d.count(); }
  void Set(UnixSeconds s) { now_us_ = s * 1'000'000; }

 private:
  std::atomic<std::int64_t> now_us_;
};

}  // namespace gatehouse
