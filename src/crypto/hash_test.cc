#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "crypto/random.h"

namespace gatehouse::crypto {
namespace {

std::string HexSha256(std::string_view s) { return HexEncode(Sha256(s)); }
std::string HexHmac(std::string_view k, std::string_view d) { return HexEncode(HmacSha256(k, d)); }

// FIPS 180-2 Appendix B / NIST CAVP examples.
TEST(Sha256Test, NistVectors) {
  EXPECT_EQ(HexSha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexSha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexSha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexSha256(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

// RFC 4231 §4 test cases (case 5, truncated output, does not apply).
TEST(HmacSha256Test, Rfc4231Vectors) {
  EXPECT_EQ(HexHmac(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexHmac("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexHmac(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string key4;
  for (int i = 1; i <= 25; ++i) key4 += static_cast<char>(i);
  EXPECT_EQ(HexHmac(key4, std::string(50, '\xcd')),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(HexHmac(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HexHmac(std::string(131, '\xaa'),
                    "This is a test using a larger than block-size key and a larger than block-size data. "
                    "The key needs to be hashed before being used by the HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  // Well-known value of HMAC-SHA-256 with an empty key over an empty message.
  EXPECT_EQ(HexHmac("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacSha256Test, EachCallUsesItsOwnKeyOnEveryThread) {
  // Each thread reuses one context across calls: a key, an empty key, a long one (hashed first),
  // and round again, must each give their own value (RFC 4231 §4.3 and §4.7, and the empty one).
  auto check = [](int rounds) {
    for (int i = 0; i < rounds; ++i) {
      ASSERT_EQ(HexHmac("Jefe", "what do ya want for nothing?"),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
      ASSERT_EQ(HexHmac("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
      ASSERT_EQ(HexHmac(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back(check, 200);
  for (auto& th : threads) th.join();
}

TEST(ConstantTimeEqualTest, Compares) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_FALSE(ConstantTimeEqual("xbc", "abc"));
  EXPECT_TRUE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(FingerprintTest, IsAShortSha256Prefix) {
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf8f01");
  EXPECT_EQ(Fingerprint(""), "e3b0c44298fc");
  EXPECT_NE(Fingerprint("secret-1"), Fingerprint("secret-2"));
}

TEST(SystemRandomTest, FillsAndDiffers) {
  SystemRandom& random = SystemRandom::Instance();
  EXPECT_EQ(&random, &SystemRandom::Instance());
  std::string a = random.Bytes(32);
  std::string b = random.Bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(random.Bytes(0).empty());
  EXPECT_LT(random.Uniform(10), 10u);
}

}  // namespace
}  // namespace gatehouse::crypto
