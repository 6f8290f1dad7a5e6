#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace gatehouse::crypto {
namespace {

std::string KeyFrom(std::uint64_t seed) {
  FakeRandom r(seed);
  return r.Bytes(Aead::kKeySize);
}

Aead MakeAead(std::uint64_t seed = 1) {
  auto aead = Aead::Create(KeyFrom(seed));
  EXPECT_TRUE(aead.ok());
  return std::move(aead).value();
}

TEST(AeadTest, CreateChecksKeySize) {
  EXPECT_EQ(Aead::Create(std::string(31, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Aead::Create(std::string(33, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Aead::Create("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Aead::Create(std::string(32, 'k')).ok());
}

TEST(AeadTest, RoundTrip) {
  Aead aead = MakeAead();
  FakeRandom random(3);
  for (std::string plaintext : {std::string(), std::string("hello"), std::string(10'000, 'x'),
                                std::string("bin\0ary", 7)}) {
    std::string sealed = aead.Seal(plaintext, "aad", random);
    EXPECT_EQ(sealed.size(), plaintext.size() + Aead::kOverhead);
    auto opened = aead.Open(sealed, "aad");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(AeadTest, NoncesAreFresh) {
  Aead aead = MakeAead();
  FakeRandom random(3);
  std::string a = aead.Seal("same", "", random);
  std::string b = aead.Seal("same", "", random);
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(0, 24), b.substr(0, 24));
}

TEST(AeadTest, TamperingIsDetected) {
  Aead aead = MakeAead();
  FakeRandom random(3);
  const std::string sealed = aead.Seal("attack at dawn", "kid-1", random);
  // A nonce byte, a ciphertext byte and a tag byte.
  for (std::size_t pos : {std::size_t{0}, std::size_t{23}, std::size_t{24}, std::size_t{30},
                          sealed.size() - 16, sealed.size() - 1}) {
    std::string bad = sealed;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
    auto opened = aead.Open(bad, "kid-1");
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << "flipped byte " << pos;
  }
  std::string truncated = sealed.substr(0, sealed.size() - 1);
  EXPECT_EQ(aead.Open(truncated, "kid-1").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(aead.Open(sealed + "x", "kid-1").status().code(), StatusCode::kDataLoss);
}

TEST(AeadTest, WrongAadFails) {
  Aead aead = MakeAead();
  FakeRandom random(3);
  std::string sealed = aead.Seal("secret", "kid-1", random);
  EXPECT_EQ(aead.Open(sealed, "kid-2").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(aead.Open(sealed, "").status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(aead.Open(sealed, "kid-1").ok());
}

TEST(AeadTest, WrongKeyFails) {
  FakeRandom random(3);
  std::string sealed = MakeAead(1).Seal("secret", "", random);
  EXPECT_EQ(MakeAead(2).Open(sealed, "").status().code(), StatusCode::kDataLoss);
}

TEST(AeadTest, ShortInputIsDataLoss) {
  Aead aead = MakeAead();
  EXPECT_EQ(aead.Open("", "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(aead.Open(std::string(Aead::kOverhead - 1, 'x'), "").status().code(), StatusCode::kDataLoss);
  // Exactly the overhead is well-formed (an empty message) but still has to authenticate.
  EXPECT_EQ(aead.Open(std::string(Aead::kOverhead, 'x'), "").status().code(), StatusCode::kDataLoss);
}

TEST(DeriveKeyTest, DistinctPerPurposeAndDeterministic) {
  const std::string master = KeyFrom(9);
  std::string a = DeriveKey(master, "signing-keys");
  std::string b = DeriveKey(master, "login-transactions");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(b.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_NE(a, master);
  EXPECT_EQ(a, DeriveKey(master, "signing-keys"));
  EXPECT_NE(a, DeriveKey(KeyFrom(10), "signing-keys"));
  EXPECT_TRUE(Aead::Create(a).ok());
}

TEST(DeriveKeyTest, MatchesHkdfExpand) {
  // RFC 5869 A.1: with PRK and info from the test case, T(1) is the first 32 bytes of the OKM.
  std::string prk;
  for (unsigned char c : {0x07, 0x77, 0x09, 0x36, 0x2c, 0x2e, 0x32, 0xdf, 0x0d, 0xdc, 0x3f, 0x0d, 0xc4, 0x7b, 0xba, 0x63,
                          0x90, 0xb6, 0xc7, 0x3b, 0xb5, 0x0f, 0x9c, 0x31, 0x22, 0xec, 0x84, 0x4a, 0xd7, 0xc2, 0xb3, 0xe5}) {
    prk += static_cast<char>(c);
  }
  std::string info;
  for (int c = 0xf0; c <= 0xf9; ++c) info += static_cast<char>(c);
  EXPECT_EQ(HexEncode(DeriveKey(prk, info)), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
}

}  // namespace
}  // namespace gatehouse::crypto
