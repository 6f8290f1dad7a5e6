// SystemRandom: the production Random, backed by OpenSSL's CSPRNG (RAND_bytes).
#pragma once

#include "common/random.h"

namespace gatehouse::crypto {

class SystemRandom final : public Random {
 public:
  // Aborts the process if the CSPRNG fails: predictable bytes are worse than no service.
  void Fill(std::span<std::uint8_t> out) override;
  static SystemRandom& Instance();
};

}  // namespace gatehouse::crypto
