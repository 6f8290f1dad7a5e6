#include "crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace gatehouse::crypto {

void SystemRandom::Fill(std::span<std::uint8_t> out) {
  // RAND_bytes takes an int length, so very large requests go in chunks.
  while (!out.empty()) {
    const std::size_t n = std::min<std::size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      std::fputs("gatehouse: FATAL: CSPRNG failure (RAND_bytes)\n", stderr);
      std::abort();
    }
    out = out.subspan(n);
  }
}

SystemRandom& SystemRandom::Instance() {
  static SystemRandom instance;
  return instance;
}

}  // namespace gatehouse::crypto
