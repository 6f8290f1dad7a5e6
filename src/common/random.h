// Random: the only source of randomness in Gatehouse. Production code takes a Random& so that
// tests can make ids and tokens deterministic. The production implementation is a CSPRNG
// (crypto::SystemRandom); nothing security-relevant may use any other source.
//
// Thread safety: every Random implementation may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace gatehouse {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with random bytes. Never fails: an implementation that cannot produce
  // randomness aborts the process rather than return predictable bytes.
  virtual void Fill(std::span<std::uint8_t> out) = 0;

  std::string Bytes(std::size_t n);
  // A uniformly distributed integer in [0, bound), without modulo bias. bound > 0.
  std::uint64_t Uniform(std::uint64_t bound);
};

// Deterministic bytes for tests (a counter run through a simple mixer). Not for production.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(std::uint64_t seed = 1) : state_(seed) {}
  void Fill(std::span<std::uint8_t> out) override;

 private:
  std::uint64_t state_;
};

}  // namespace gatehouse
