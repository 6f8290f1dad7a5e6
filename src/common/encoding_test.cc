#include "common/encoding.h"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(EncodingTest, Base64UrlRoundTripAndRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  for (std::string s : {"", "a", "ab", "abc", "\x00\x01\xff\xfe\x80"}) {
    EXPECT_EQ(*Base64UrlDecode(Base64UrlEncode(s)), s);
  }
}

TEST(EncodingTest, Base64UrlDecodeIsStrict) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));  // padding
  EXPECT_FALSE(Base64UrlDecode("Zm9+"));  // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Z"));     // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zh"));    // non-zero leftover bits
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
}

TEST(EncodingTest, StandardBase64) {
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_EQ(*Base64Decode("Zm8"), "fo");
  EXPECT_EQ(*Base64Decode("+/8="), "\xfb\xff");
  EXPECT_FALSE(Base64Decode("-_8="));
}

TEST(EncodingTest, Hex) { EXPECT_EQ(HexEncode(std::string_view("\x00\xab\xff", 3)), "00abff"); }

TEST(EncodingTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace gatehouse
