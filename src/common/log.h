// Structured logging: one JSON object per line on stderr (or text for a terminal).
//
// Every line carries the time, the level and, when there is one, the request id, so an
// operator can follow one request through the log. Rules that every caller must keep:
//   * never log a secret, a code, a token, a cookie or a query string (which may hold a code);
//     log a short hash prefix (crypto::Fingerprint) when a value must be correlated;
//   * fields are key/value pairs; values are escaped here, so callers pass raw strings.
//
// Lines are buffered and written by a background thread every 100 ms, or at once for warnings
// and errors and at Shutdown(), so that the access log costs no system call per request.
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gatehouse::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };
enum class Format { kJson, kText };

struct Options {
  Level level = Level::kInfo;
  Format format = Format::kJson;
  int fd = 2;  // stderr
};

// Parses "debug|info|warn|error|off".
bool ParseLevel(std::string_view s, Level* out);

void Init(const Options& options);
// Flushes buffered lines and stops the writer thread. Safe to call more than once.
void Shutdown();
bool Enabled(Level level);

using Value = std::variant<std::string_view, std::int64_t, double, bool>;
using Field = std::pair<std::string_view, Value>;

// Writes {"ts":..., "level":..., "msg": message, "request_id": ..., fields...}.
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, m, f); }

// Appends `s` to `out` as a JSON string literal (with quotes), escaping as RFC 8259 requires;
// bytes that are not valid UTF-8 are replaced with U+FFFD so a log line is always valid JSON.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace gatehouse::log
