#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "common/encoding.h"

namespace gatehouse::log {
namespace {

struct State {
  std::mutex mu;
  std::condition_variable cv;
  std::string buffer;
  std::thread writer;
  bool stop = false;
  Options options;
};

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};
State& S() {
  static State* s = new State();  // never destroyed: logging may happen during static teardown
  return *s;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return;  // nowhere to report a failing log stream
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void FlushLocked(State& s, std::unique_lock<std::mutex>& lock) {
  if (s.buffer.empty()) return;
  std::string out;
  out.swap(s.buffer);
  int fd = s.options.fd;
  lock.unlock();
  WriteAll(fd, out);
  lock.lock();
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "info";
}

// The access log formats a timestamp per request; the date and time of day are formatted once
// per second per thread and only the milliseconds per line.
void AppendTime(std::string& out) {
  thread_local std::time_t cached_second = -1;
  thread_local char cached[64];
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count());
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  if (t != cached_second) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = t;
  }
  out += cached;
  char frac[6] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10), 'Z', '\0'};
  out += frac;
}

void AppendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendValue(std::string& out, const Value& v, bool json) {
  if (auto* s = std::get_if<std::string_view>(&v)) {
    if (json) AppendJsonString(out, *s);
    else out += *s;
  } else if (auto* i = std::get_if<std::int64_t>(&v)) {
    AppendInt(out, *i);
  } else if (auto* d = std::get_if<double>(&v)) {
    // Three decimals, without printf's locale and float machinery (this runs per request).
    double x = *d;
    if (x < 0) {
      out += '-';
      x = -x;
    }
    auto thousandths = static_cast<std::int64_t>(x * 1000.0 + 0.5);
    AppendInt(out, thousandths / 1000);
    char frac[4] = {'.', static_cast<char>('0' + thousandths / 100 % 10), static_cast<char>('0' + thousandths / 10 % 10),
                    static_cast<char>('0' + thousandths % 10)};
    out.append(frac, 4);
  } else {
    out += std::get<bool>(v) ? "true" : "false";
  }
}

}  // namespace

bool ParseLevel(std::string_view s, Level* out) {
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"debug", Level::kDebug}, {"info", Level::kInfo}, {"warn", Level::kWarn},
      {"error", Level::kError}, {"off", Level::kOff}};
  for (auto& [name, level] : kNames) {
    if (s == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

void Init(const Options& options) {
  State& s = S();
  std::unique_lock lock(s.mu);
  s.options = options;
  g_level = static_cast<int>(options.level);
  g_json = options.format == Format::kJson;
  if (s.writer.joinable()) return;
  s.stop = false;
  s.writer = std::thread([&s] {
    std::unique_lock l(s.mu);
    while (!s.stop) {
      s.cv.wait_for(l, std::chrono::milliseconds(100));
      FlushLocked(s, l);
    }
    FlushLocked(s, l);
  });
}

void Shutdown() {
  State& s = S();
  std::thread t;
  {
    std::lock_guard lock(s.mu);
    s.stop = true;
    t.swap(s.writer);
  }
  s.cv.notify_all();
  if (t.joinable()) t.join();
  std::unique_lock lock(s.mu);
  FlushLocked(s, lock);
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level) || level == Level::kOff) return;
  State& s = S();
  const bool json = g_json.load(std::memory_order_relaxed);
  std::string line;
  line.reserve(160);
  if (json) {
    line += "{\"ts\":\"";
    AppendTime(line);
    line += "\",\"level\":\"";
    line += LevelName(level);
    line += "\",\"msg\":";
    AppendJsonString(line, message);
    for (const auto& [k, v] : fields) {
      line += ',';
      AppendJsonString(line, k);
      line += ':';
      AppendValue(line, v, true);
    }
    line += "}\n";
  } else {
    AppendTime(line);
    line += ' ';
    line += LevelName(level);
    line += ' ';
    line += message;
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      AppendValue(line, v, false);
    }
    line += '\n';
  }
  std::unique_lock lock(s.mu);
  s.buffer += line;
  // Warnings and errors are written at once: they may be the last words before a crash.
  // Without a writer thread (Init not called: CLI commands) every line is written at once.
  if (level >= Level::kWarn || !s.writer.joinable() || s.buffer.size() > (1 << 16)) FlushLocked(s, lock);
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  bool utf8_checked = false, utf8_ok = true;
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
      if (c < 0x80) continue;
      if (!utf8_checked) {
        utf8_ok = IsValidUtf8(s);
        utf8_checked = true;
      }
      if (utf8_ok) continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c >= 0x80) {
          out += "\\ufffd";
        } else {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace gatehouse::log
