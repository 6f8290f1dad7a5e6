#include "common/url.h"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(UrlTest, ParseQueryDecodesPlusAndPercent20) {
  auto q = ParseQuery("scope=openid+profile&state=s%20t&x=a%2Bb&empty=&flag");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"scope", "openid profile"}));
  EXPECT_EQ((*q)[1].second, "s t");
  EXPECT_EQ((*q)[2].second, "a+b");
  EXPECT_EQ((*q)[3].second, "");
  EXPECT_EQ((*q)[4], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST(UrlTest, ParseQueryKeepsDuplicatesAndSkipsEmptyPairs) {
  auto q = ParseQuery("a=1&&a=2&");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[1].second, "2");
}

TEST(UrlTest, ParseQueryRejectsBadInput) {
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("a=%").ok());
  EXPECT_FALSE(ParseQuery("a=%ff").ok());  // not UTF-8
  EXPECT_FALSE(ParseQuery("a=1&b=2&c=3", 2).ok());
}

TEST(UrlTest, PercentEncodeUnreservedOnly) {
  EXPECT_EQ(PercentEncode("a b+c/d?e=f&g~h"), "a%20b%2Bc%2Fd%3Fe%3Df%26g~h");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");
}

TEST(UrlTest, AppendQuery) {
  EXPECT_EQ(AppendQuery("https://a.test/cb", {{"code", "x y"}, {"state", "a+b"}}),
            "https://a.test/cb?code=x%20y&state=a%2Bb");
  EXPECT_EQ(AppendQuery("https://a.test/cb?k=v", {{"code", "1"}}), "https://a.test/cb?k=v&code=1");
  EXPECT_EQ(AppendQuery("https://a.test/cb?", {{"code", "1"}}), "https://a.test/cb?code=1");
}

TEST(UrlTest, CollapseSlashes) {
  EXPECT_EQ(CollapseSlashes("//oauth//authorize"), "/oauth/authorize");
  EXPECT_EQ(CollapseSlashes("/keys"), "/keys");
}

TEST(UrlTest, ParseHttpUrl) {
  auto u = ParseHttpUrl("HTTPS://auth.example.com:8443/base?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "auth.example.com");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->path, "/base");
  EXPECT_EQ(u->query, "x=1");
  EXPECT_EQ(ParseHttpUrl("http://[::1]:80/")->host, "[::1]");
  EXPECT_FALSE(ParseHttpUrl("ftp://a").ok());
  EXPECT_FALSE(ParseHttpUrl("https://user@a.test/").ok());
  EXPECT_FALSE(ParseHttpUrl("https://a.test/#frag").ok());
  EXPECT_FALSE(ParseHttpUrl("https://:80/").ok());
  EXPECT_FALSE(ParseHttpUrl("https://a.test:99999/").ok());
  EXPECT_FALSE(ParseHttpUrl("https://a test/").ok());
  EXPECT_FALSE(ParseHttpUrl("a.test/x").ok());
}

}  // namespace
}  // namespace gatehouse
