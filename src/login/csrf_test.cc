#include "login/csrf.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace gatehouse::login {
namespace {

const std::string kKey(32, 'k');

struct Req {
  std::vector<std::pair<std::string, std::string>> headers;
  http::Request Build() const {
    http::Request r;
    for (const auto& [k, v] : headers) r.headers.push_back({k, v});
    return r;
  }
};

TEST(Csrf, CookieNames) {
  EXPECT_EQ(CsrfCookieName(true), "__Host-gh_csrf");
  EXPECT_EQ(CsrfCookieName(false), "gh_csrf");
}

TEST(Csrf, NewCookieIs32RandomBytes) {
  FakeRandom random(7);
  std::string a = NewCsrfCookieValue(random);
  std::string b = NewCsrfCookieValue(random);
  EXPECT_NE(a, b);
  auto raw = Base64UrlDecode(a);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 32u);
}

TEST(Csrf, SetCookieAttributes) {
  EXPECT_EQ(CsrfSetCookie("v", true), "__Host-gh_csrf=v; Path=/; HttpOnly; SameSite=Lax; Secure");
  EXPECT_EQ(CsrfSetCookie("v", false), "gh_csrf=v; Path=/; HttpOnly; SameSite=Lax");
}

TEST(Csrf, FindsWellFormedCookiesInEveryCookieHeader) {
  FakeRandom random;
  const std::string good = NewCsrfCookieValue(random);
  Req req{{{"Cookie", "a=b; gh_csrf=short; __Host-gh_csrf=" + good.substr(1)},
           {"cookie", "x=y;__Host-gh_csrf=" + good + " ; z=1"}}};
  http::Request r = req.Build();
  auto values = CsrfCookieValues(r, true);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0], good);
  EXPECT_TRUE(CsrfCookieValues(r, false).empty());  // "gh_csrf=short" is malformed
}

TEST(Csrf, TokenIsBoundToCookieAndTransaction) {
  FakeRandom random;
  const std::string cookie = NewCsrfCookieValue(random);
  const std::string other = NewCsrfCookieValue(random);
  const std::string token = CsrfToken(kKey, cookie, "tx1");
  EXPECT_EQ(token, CsrfToken(kKey, cookie, "tx1"));
  EXPECT_EQ(token.size(), 43u);

  Req req{{{"Cookie", "__Host-gh_csrf=" + cookie}}};
  http::Request r = req.Build();
  EXPECT_TRUE(VerifyCsrf(kKey, r, true, "tx1", token));
  EXPECT_FALSE(VerifyCsrf(kKey, r, true, "tx2", token));
  EXPECT_FALSE(VerifyCsrf(kKey, r, true, "tx1", CsrfToken(kKey, other, "tx1")));
  EXPECT_FALSE(VerifyCsrf(std::string(32, 'x'), r, true, "tx1", token));
  EXPECT_FALSE(VerifyCsrf(kKey, r, true, "tx1", ""));
  EXPECT_FALSE(VerifyCsrf(kKey, r, true, "", token));
  EXPECT_FALSE(VerifyCsrf(kKey, r, false, "tx1", token));  // the other cookie name
  http::Request none;
  EXPECT_FALSE(VerifyCsrf(kKey, none, true, "tx1", token));
}

TEST(Csrf, AnyOfSeveralCookiesMayMatch) {
  FakeRandom random;
  const std::string a = NewCsrfCookieValue(random);
  const std::string b = NewCsrfCookieValue(random);
  Req req{{{"Cookie", "gh_csrf=" + a + "; gh_csrf=" + b}}};
  http::Request r = req.Build();
  EXPECT_TRUE(VerifyCsrf(kKey, r, false, "t", CsrfToken(kKey, b, "t")));
  EXPECT_TRUE(VerifyCsrf(kKey, r, false, "t", CsrfToken(kKey, a, "t")));
}

}  // namespace
}  // namespace gatehouse::login
