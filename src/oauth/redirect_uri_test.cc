#include "oauth/redirect_uri.h"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

TEST(RedirectUriTest, Accepts) {
  for (const char* ok : {"https://app.example.com/callback", "https://app.example.com/cb?tenant=1",
                         "http://localhost:3000/callback", "http://127.0.0.1:9999/cb", "http://[::1]:8080/cb",
                         "com.example.app:/oauth2redirect", "https://xn--bcher-kva.example/cb"}) {
    EXPECT_TRUE(ValidateRedirectUriForRegistration(ok).ok()) << ok;
  }
}

TEST(RedirectUriTest, Refuses) {
  for (const char* bad : {"", "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,hi", "vbscript:x",
                          "file:///etc/passwd", "http://app.example.com/cb", "https://app.example.com/cb#f",
                          "https://app example.com/", "https://user@app.example.com/", "/relative/cb",
                          "myapp:/cb", "https:///nohost", "https://a.example.com/\x01",
                          // Names that only look like loopback addresses are not plain-http hosts.
                          "http://127.attacker.example/cb", "http://127.0.0.1.attacker.example/cb"}) {
    EXPECT_FALSE(ValidateRedirectUriForRegistration(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateRedirectUriForRegistration("https://a.example.com/" + std::string(2000, 'a')).ok());
}

}  // namespace
}  // namespace gatehouse::oauth
