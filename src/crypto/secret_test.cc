#include "crypto/secret.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/random.h"

namespace gatehouse::crypto {
namespace {

TEST(SecretTest, NewSecretIs256BitsOfBase64Url) {
  FakeRandom random(7);
  std::string a = NewSecret(random);
  std::string b = NewSecret(random);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  auto decoded = Base64UrlDecode(a);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->size(), 32u);
  EXPECT_EQ(NewSecret(SystemRandom::Instance()).size(), 43u);
}

TEST(SecretTest, HashFormat) {
  // base64url(SHA-256("abc")), without padding.
  EXPECT_EQ(HashSecret("abc"), "sha256:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  std::string h = HashSecret("some secret");
  EXPECT_EQ(h.rfind("sha256:", 0), 0u);
  EXPECT_EQ(h.size(), 7u + 43u);
  EXPECT_EQ(h, HashSecret("some secret"));  // deterministic: usable as a lookup key
  EXPECT_NE(h, HashSecret("some secreT"));
}

TEST(SecretTest, Verify) {
  FakeRandom random;
  std::string secret = NewSecret(random);
  std::string stored = HashSecret(secret);
  EXPECT_TRUE(VerifySecret(secret, stored));
  EXPECT_FALSE(VerifySecret(secret + "x", stored));
  EXPECT_FALSE(VerifySecret("", stored));
  EXPECT_FALSE(VerifySecret(NewSecret(random), stored));
  // Malformed stored values never match.
  EXPECT_FALSE(VerifySecret(secret, ""));
  EXPECT_FALSE(VerifySecret(secret, secret));
  EXPECT_FALSE(VerifySecret(secret, stored.substr(7)));
  EXPECT_FALSE(VerifySecret(secret, stored + "="));
}

}  // namespace
}  // namespace gatehouse::crypto
