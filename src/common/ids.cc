#include "common/ids.h"

#include <cstdint>

namespace gatehouse {

std::string NewId(Random& random, std::string_view prefix) {
  static constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::uint8_t bytes[20];
  random.Fill(bytes);
  std::string id(prefix);
  id += '_';
  for (std::uint8_t b : bytes) id += kBase32[b & 31];
  return id;
}

bool IsWellFormedId(std::string_view id, std::string_view prefix) {
  if (id.size() <= prefix.size() + 1 || id.size() > prefix.size() + 1 + 64) return false;
  if (!id.starts_with(prefix) || id[prefix.size()] != '_') return false;
  for (char c : id.substr(prefix.size() + 1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace gatehouse
