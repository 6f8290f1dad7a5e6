#include "oauth/authorize_request.h"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

TEST(AuthorizeRequestTest, DecodesPlusAndPercent20AndKeepsStateExact) {
  auto p = ParseAuthorizeQuery("scope=openid+profile%20email&state=a%2Bb+c&client_id=skc_1&unknown=zz");
  EXPECT_EQ(p.Get("scope"), "openid profile email");
  EXPECT_EQ(p.Get("state"), "a+b c");
  EXPECT_TRUE(p.Clean("client_id"));
  EXPECT_FALSE(p.values.contains("unknown"));
}

TEST(AuthorizeRequestTest, RepeatsAreRecordedEvenWhenEmpty) {
  auto p = ParseAuthorizeQuery("state=a&state=");
  EXPECT_TRUE(p.repeated.contains("state"));
  EXPECT_FALSE(p.Clean("state"));
  auto q = ParseAuthorizeQuery("client_id=&client_id=skc_1");
  EXPECT_TRUE(q.repeated.contains("client_id"));
}

TEST(AuthorizeRequestTest, EmptyMeansAbsent) {
  auto p = ParseAuthorizeQuery("nonce=&state");
  EXPECT_FALSE(p.values.contains("nonce"));
  EXPECT_FALSE(p.values.contains("state"));
  EXPECT_TRUE(p.malformed.empty());
}

TEST(AuthorizeRequestTest, MalformedValues) {
  auto p = ParseAuthorizeQuery("state=%zz&nonce=%ff&login_hint=a%0Ab&client_id=" + std::string(65, 'x') +
                               "&scope=ok");
  EXPECT_TRUE(p.malformed.contains("state"));
  EXPECT_TRUE(p.malformed.contains("nonce"));
  EXPECT_TRUE(p.malformed.contains("login_hint"));
  EXPECT_TRUE(p.malformed.contains("client_id"));
  EXPECT_TRUE(p.Clean("scope"));
}

TEST(AuthorizeRequestTest, TooManyPairs) {
  std::string q;
  for (int i = 0; i < 65; ++i) q += "x" + std::to_string(i) + "=1&";
  EXPECT_TRUE(ParseAuthorizeQuery(q).too_many);
  EXPECT_FALSE(ParseAuthorizeQuery("a=1&&&&b=2").too_many);
}

TEST(AuthorizeRequestTest, LimitsAreKnown) {
  EXPECT_EQ(MaxParamLength("redirect_uri"), 2000u);
  EXPECT_EQ(MaxParamLength("code_challenge"), 128u);
  EXPECT_EQ(MaxParamLength("nope"), 0u);
}

}  // namespace
}  // namespace gatehouse::oauth
