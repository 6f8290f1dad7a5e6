#include "common/random.h"

#include <mutex>

namespace gatehouse {

std::string Random::Bytes(std::size_t n) {
  std::string s(n, '\0');
  Fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(s.data()), n));
  return s;
}

std::uint64_t Random::Uniform(std::uint64_t bound) {
  // Rejection sampling: draw from the largest multiple of `bound` below 2^64.
  const std::uint64_t limit = (~std::uint64_t{0}) - ((~std::uint64_t{0}) % bound);
  for (;;) {
    std::uint64_t v = 0;
    Fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&v), sizeof v));
    if (v < limit) return v % bound;
  }
}

void FakeRandom::Fill(std::span<std::uint8_t> out) {
  static std::mutex mu;  // tests may share one FakeRandom across threads
  std::lock_guard lock(mu);
  for (auto& b : out) {
    // splitmix64 step: cheap, deterministic and well spread.
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    b = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
}

}  // namespace gatehouse
