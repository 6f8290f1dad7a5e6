#include "common/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace gatehouse::log {
namespace {

TEST(LogTest, JsonStringEscapes) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\"");
  out.clear();
  AppendJsonString(out, "bad \xff utf8");
  EXPECT_EQ(out, "\"bad \\ufffd utf8\"");
}

TEST(LogTest, WritesOneJsonLinePerEvent) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  Init({.level = Level::kInfo, .format = Format::kJson, .fd = fds[1]});
  Debug("hidden");
  Info("hello", {{"request_id", std::string_view("r1")}, {"status", std::int64_t{200}}, {"tls", false}});
  Shutdown();
  close(fds[1]);
  char buf[4096];
  ssize_t n = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  ASSERT_GT(n, 0);
  std::string text(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find("\"msg\":\"hello\",\"request_id\":\"r1\",\"status\":200,\"tls\":false}\n"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

}  // namespace
}  // namespace gatehouse::log
