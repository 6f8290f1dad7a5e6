// The fuzz targets' invariant checks: CHECK(cond) or CHECK(cond, detail) prints the condition
// (and the detail, e.g. the offending input) and aborts, which libFuzzer reports as a crash,
// keeping the input in build-fuzz/artifacts/.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz_support {

[[noreturn]] inline void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "INVARIANT VIOLATED: %s [%.*s]\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace fuzz_support

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond)) ::fuzz_support::Fail(#cond __VA_OPT__(, ) __VA_ARGS__); \
  } while (0)
