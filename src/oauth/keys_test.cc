#include "oauth/keys.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "crypto/jwt.h"

namespace gatehouse::oauth {
namespace {

const std::string kMaster(32, 'm');

class KeyManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite::memory:", {.create_if_missing = true});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(s).value();
  }
  KeyManager Make(KeyPolicy policy = {}) { return KeyManager(*store_, kMaster, clock_, random_, policy); }

  std::unique_ptr<store::Store> store_;
  FakeClock clock_;
  FakeRandom random_;
};

std::vector<std::string> Kids(const std::string& jwks) {
  std::vector<std::string> out;
  const boost::json::value doc = boost::json::parse(jwks);
  for (const auto& k : doc.at("keys").as_array()) {
    out.emplace_back(k.at("kid").as_string());
  }
  return out;
}

TEST_F(KeyManagerTest, FirstRunCreatesActiveAndPublishedNext) {
  KeyManager keys = Make();
  ASSERT_TRUE(keys.EnsureKeys().ok());
  auto snap = keys.Current();
  ASSERT_TRUE(snap->signing);
  auto list = keys.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  std::string active, next;
  for (const auto& k : *list) (k.state == "active" ? active : next) = k.kid;
  EXPECT_EQ(snap->signing->kid(), active);
  auto kids = Kids(snap->jwks_json);
  EXPECT_EQ(kids.size(), 2u);
  EXPECT_NE(std::find(kids.begin(), kids.end(), next), kids.end());
  // EnsureKeys is idempotent.
  ASSERT_TRUE(keys.EnsureKeys().ok());
  EXPECT_EQ(keys.List()->size(), 2u);
}

TEST_F(KeyManagerTest, SignedTokensVerifyWithThePublishedKeys) {
  KeyManager keys = Make();
  ASSERT_TRUE(keys.EnsureKeys().ok());
  auto snap = keys.Current();
  auto token = crypto::SignJwt(*snap->signing, R"({"sub":"x","exp":1900000000})");
  ASSERT_TRUE(token.ok());
  const crypto::JwsAlg allowed[] = {crypto::JwsAlg::kRS256};
  EXPECT_TRUE(crypto::VerifyJwt(*token, snap->verification, allowed).ok());
}

TEST_F(KeyManagerTest, RotationRetiresKeepsPublishedThenExpires) {
  KeyManager keys = Make({.retention = std::chrono::seconds(3600)});
  ASSERT_TRUE(keys.EnsureKeys().ok());
  const std::string first = keys.Current()->signing->kid();
  auto token = crypto::SignJwt(*keys.Current()->signing, R"({"exp":1900000000})");
  clock_.Advance(std::chrono::seconds(10));
  auto rotated = keys.Rotate();
  ASSERT_TRUE(rotated.ok()) << rotated.error().ToString();
  EXPECT_NE(*rotated, first);
  EXPECT_EQ(keys.Current()->signing->kid(), *rotated);
  auto kids = Kids(keys.Current()->jwks_json);
  EXPECT_EQ(kids.size(), 3u);  // retired, active, new next
  // A token signed before the rotation still verifies.
  const crypto::JwsAlg allowed[] = {crypto::JwsAlg::kRS256};
  EXPECT_TRUE(crypto::VerifyJwt(*token, keys.Current()->verification, allowed).ok());

  clock_.Advance(std::chrono::seconds(3600));
  ASSERT_TRUE(keys.Maintain().ok());
  kids = Kids(keys.Current()->jwks_json);
  EXPECT_EQ(kids.size(), 2u);
  EXPECT_EQ(std::find(kids.begin(), kids.end(), first), kids.end());
  EXPECT_FALSE(crypto::VerifyJwt(*token, keys.Current()->verification, allowed).ok());
}

TEST_F(KeyManagerTest, ScheduledRotation) {
  KeyManager keys = Make({.alg = crypto::JwsAlg::kES256, .rotation_period = std::chrono::seconds(100)});
  ASSERT_TRUE(keys.EnsureKeys().ok());
  const std::string first = keys.Current()->signing->kid();
  clock_.Advance(std::chrono::seconds(99));
  ASSERT_TRUE(keys.Maintain().ok());
  EXPECT_EQ(keys.Current()->signing->kid(), first);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(keys.Maintain().ok());
  EXPECT_NE(keys.Current()->signing->kid(), first);
}

TEST_F(KeyManagerTest, TwoManagersOnOneStoreRotateOnce) {
  KeyManager a = Make(), b = Make();
  ASSERT_TRUE(a.EnsureKeys().ok());
  ASSERT_TRUE(b.EnsureKeys().ok());
  EXPECT_EQ(a.Current()->signing->kid(), b.Current()->signing->kid());
  auto r1 = a.Rotate();
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(b.Refresh().ok());
  EXPECT_EQ(b.Current()->signing->kid(), *r1);
  int active = 0;
  auto list = a.List();
  ASSERT_TRUE(list.ok());
  for (const auto& k : *list) active += k.state == "active";
  EXPECT_EQ(active, 1);
}

TEST_F(KeyManagerTest, WrongMasterKeyIsDataLoss) {
  ASSERT_TRUE(Make().EnsureKeys().ok());
  KeyManager other(*store_, std::string(32, 'x'), clock_, random_, {});
  Status s = other.EnsureKeys();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("master key"), std::string::npos);
}

TEST_F(KeyManagerTest, PrivateKeysAreSealedAndBoundToTheirKid) {
  ASSERT_TRUE(Make().EnsureKeys().ok());
  auto records = store_->ListSigningKeys();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  // Swap the sealed private keys of the two records: neither may decrypt under the other's kid.
  auto a = (*records)[0], b = (*records)[1];
  std::swap(a.sealed_private_key, b.sealed_private_key);
  auto s2 = store::OpenStore("sqlite::memory:", {.create_if_missing = true});
  ASSERT_TRUE(s2.ok());
  a.state = store::KeyState::kActive;
  b.state = store::KeyState::kNext;
  ASSERT_TRUE((*s2)->InsertSigningKey(a).ok());
  ASSERT_TRUE((*s2)->InsertSigningKey(b).ok());
  KeyManager swapped(**s2, kMaster, clock_, random_, {});
  EXPECT_EQ(swapped.Refresh().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace gatehouse::oauth
