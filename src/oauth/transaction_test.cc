#include "oauth/transaction.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace gatehouse::oauth {
namespace {

const std::string kMaster(32, 'k');

LoginTransaction Sample() {
  LoginTransaction tx;
  tx.client_id = "skc_abc";
  tx.redirect_uri = "https://app.example.com/cb?x=1";
  tx.scopes = {"email", "openid"};
  tx.state = "s t+<>&\"";
  tx.nonce = "n-1";
  tx.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  tx.prompt.create = true;
  tx.prompt.login = true;
  tx.max_age = 0;
  tx.response_mode = ResponseMode::kFormPost;
  tx.organization_id = "org_x";
  tx.connection_id = "conn_y";
  tx.login_hint = "ann@acme.test";
  tx.domain_hint = "acme.test";
  tx.provider = "google";
  tx.name = "Ada Lovelace";
  return tx;
}

TEST(TransactionTest, RoundTripsEveryField) {
  FakeClock clock;
  FakeRandom random;
  TransactionSealer sealer(kMaster, clock, random);
  LoginTransaction tx = Sample();
  std::string token = sealer.Seal(tx);
  EXPECT_FALSE(tx.id.empty());
  EXPECT_EQ(tx.expires_at - tx.created_at, kTransactionLifetime);
  for (char c : token) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  auto opened = sealer.Open(token);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(*opened, tx);
}

TEST(TransactionTest, ExpiresAfterTenMinutes) {
  FakeClock clock;
  FakeRandom random;
  TransactionSealer sealer(kMaster, clock, random);
  LoginTransaction tx = Sample();
  std::string token = sealer.Seal(tx);
  clock.Advance(std::chrono::seconds(599));
  EXPECT_TRUE(sealer.Open(token).ok());
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(sealer.Open(token).error().code(), StatusCode::kFailedPrecondition);
}

TEST(TransactionTest, TamperedForeignAndGarbageTokensFail) {
  FakeClock clock;
  FakeRandom random;
  TransactionSealer sealer(kMaster, clock, random);
  TransactionSealer other(std::string(32, 'z'), clock, random);
  LoginTransaction tx = Sample();
  std::string token = sealer.Seal(tx);
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sealer.Open(tampered).ok());
  EXPECT_FALSE(other.Open(token).ok());
  EXPECT_FALSE(sealer.Open("").ok());
  EXPECT_FALSE(sealer.Open("!!!").ok());
  EXPECT_FALSE(sealer.Open(std::string(9000, 'A')).ok());
  EXPECT_FALSE(sealer.Open(token.substr(0, 20)).ok());
}

TEST(TransactionTest, ResealKeepsIdentityAndExpiry) {
  FakeClock clock;
  FakeRandom random;
  TransactionSealer sealer(kMaster, clock, random);
  LoginTransaction tx = Sample();
  sealer.Seal(tx);
  const std::string id = tx.id;
  const UnixSeconds expires = tx.expires_at;
  clock.Advance(std::chrono::seconds(100));
  tx.login_hint = "bob@acme.test";
  auto opened = sealer.Open(sealer.Seal(tx));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->id, id);
  EXPECT_EQ(opened->expires_at, expires);  // a step of the login does not extend it
  EXPECT_EQ(opened->login_hint, "bob@acme.test");
}

}  // namespace
}  // namespace gatehouse::oauth
