#include "common/strings.h"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(StringsTest, AsciiLowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Ann@Example.ORG"), "ann@example.org");
  EXPECT_EQ(AsciiLower("HTTP://X-1_Z"), "http://x-1_z");
  EXPECT_EQ(AsciiLower("\xC3\x84" "B"), "\xC3\x84" "b");  // "ÄB": the UTF-8 bytes are kept
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(StringsTest, TrimBlanksRemovesSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(TrimBlanks(" \t a b \t"), "a b");
  EXPECT_EQ(TrimBlanks("\n123456\n"), "\n123456\n");  // only spaces and tabs
  EXPECT_EQ(TrimBlanks("   "), "");
}

}  // namespace
}  // namespace gatehouse
