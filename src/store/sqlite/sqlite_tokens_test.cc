// SqliteStore and the token tables (0004_tokens.sql): what only SQLite has. Two stores on one
// file (two nodes, or the CLI next to a server) redeem a code once and see each other's
// revocations; the lookups use indexes; old databases upgrade; bad rows read as kDataLoss.
// The conformance suite (tests/store_conformance/tokens_*.cc) runs from sqlite_store_test.cc.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_test_support.h"
#include "store/store.h"
#include "store_conformance/store_conformance.h"
#include "store_conformance/tokens_fixture.h"

namespace gatehouse::store::sqlite {
namespace {

namespace fs = std::filesystem;
using ::gatehouse::store::testing::kNow;
using ::gatehouse::store::testing::MakeIssue;
using ::gatehouse::store::testing::MakeTokenCode;
using ::gatehouse::store::testing::RefreshIssue;
using ::gatehouse::store::testing::RefusalOf;
using ::gatehouse::store::testing::StateOf;
using test_support::DatabaseAtVersion;
using test_support::ExpectIndexedQueries;
using test_support::OpenOrFail;
using test_support::RunOnBothStores;
using test_support::TempDirEnvironment;

TEST(SqliteTokensTest, TwoStoresOnOneFileRedeemACodeOnce) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("redeem").string();
  auto a = OpenOrFail(uri);
  auto b = OpenOrFail(uri);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int round = 0; round < 10; ++round) {
    const std::string hash = "code-" + std::to_string(round);
    ASSERT_OK(a->CreateAuthorizationCode(MakeTokenCode(hash, "")));
    std::atomic<int> calls{0};
    std::vector<std::string> outcome(8);
    RunOnBothStores(*a, *b, [&](Store& s, int t) {
      const std::string n = std::to_string(round) + "_" + std::to_string(t);
      auto r = s.RedeemAuthorizationCode(hash, kNow + 1 + t, [&](const AuthorizationCode& c) {
        ++calls;
        return Result<TokenIssue>(MakeIssue(c, "gnt_" + n, "refresh-" + n, "tkn_" + n));
      });
      outcome[t] = RefusalOf(r);
    });
    EXPECT_EQ(calls.load(), 1) << "round " << round;
    ASSERT_EQ(std::count(outcome.begin(), outcome.end(), "ok"), 1) << "round " << round;
    EXPECT_EQ(std::count(outcome.begin(), outcome.end(), std::string(kCodeReused)), 7) << "round " << round;
    const int winner = static_cast<int>(std::find(outcome.begin(), outcome.end(), "ok") - outcome.begin());
    const std::string won = std::to_string(round) + "_" + std::to_string(winner);
    // The replays, whichever store they came through, revoked the winner's grant.
    EXPECT_EQ(StateOf(*a, "tkn_" + won), "revoked");
    EXPECT_EQ(StateOf(*b, "tkn_" + won), "revoked");
    ASSERT_OK_AND_ASSIGN(Store::RefreshLookup found, b->FindRefreshToken("refresh-" + won));
    EXPECT_NE(found.grant.revoked_at, 0);
  }
}

TEST(SqliteTokensTest, TwoStoresOnOneFileSeeEachOthersRotationsAndRevocations) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("revoke").string();
  auto server = OpenOrFail(uri);
  auto other = OpenOrFail(uri);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_OK(server->CreateUser({.id = "usr_alice", .email = "alice@example.com"}));
  ASSERT_OK(server->CreateSession({.id = "ses_1", .token_hash = "t1", .user_id = "usr_alice",
                                   .idle_expires_at = kNow + 3600, .expires_at = kNow + 86400}));
  ASSERT_OK(server->CreateAuthorizationCode(MakeTokenCode("code-1", "ses_1")));
  ASSERT_OK(server->RedeemAuthorizationCode("code-1", kNow, [](const AuthorizationCode& c) {
    return Result<TokenIssue>(MakeIssue(c, "gnt_1", "refresh-1", "tkn_1"));
  }));
  // A refresh on one node, a replay of the old token on the other after the grace period.
  ASSERT_OK(other->RotateRefreshToken("refresh-1", kNow + 10, 10, kNow + 100,
                                      RefreshIssue("refresh-2", "tkn_2", kNow + 10)));
  EXPECT_EQ(RefusalOf(server->RotateRefreshToken("refresh-1", kNow + 21, 10, kNow + 100,
                                                 RefreshIssue("refresh-3", "tkn_3", kNow + 21))),
            kRefreshReused);
  EXPECT_EQ(StateOf(*other, "tkn_2"), "revoked");
  EXPECT_EQ(RefusalOf(other->RotateRefreshToken("refresh-2", kNow + 22, 10, kNow + 100,
                                                RefreshIssue("refresh-4", "tkn_4", kNow + 22))),
            kGrantRevoked);
  // A logout through one store, an introspection through the other.
  ASSERT_OK(server->CreateAuthorizationCode(MakeTokenCode("code-2", "ses_1")));
  ASSERT_OK(server->RedeemAuthorizationCode("code-2", kNow + 30, [](const AuthorizationCode& c) {
    return Result<TokenIssue>(MakeIssue(c, "gnt_2", "", "tkn_5", kNow + 30));
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<Grant> ended, other->EndSession("ses_1", kNow + 40));
  ASSERT_EQ(ended.size(), 1u);  // gnt_1 was revoked already
  EXPECT_EQ(ended[0].id, "gnt_2");
  EXPECT_EQ(StateOf(*server, "tkn_5"), "revoked");
  EXPECT_CODE(server->GetSession("ses_1"), kNotFound);
  ASSERT_OK(other->RevokeAccessToken("tkn_machine", kNow + 3600, kNow + 50));
  EXPECT_EQ(StateOf(*server, "tkn_machine"), "revoked");
}

// Every lookup the store makes on the 0004 tables is served by an index, not a table scan.
TEST(SqliteTokensTest, TokenLookupsUseIndexes) {
  const fs::path path = TempDirEnvironment::NewPath("plan");
  ASSERT_NE(OpenOrFail("sqlite:" + path.string()), nullptr);
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  ExpectIndexedQueries(raw, {
      "SELECT id FROM grants WHERE code_hash = ?1",  // a reused code
      "SELECT 1 FROM grants WHERE id = ?1",
      "UPDATE grants SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0",
      "SELECT * FROM grants g WHERE g.session_id = ?1 AND g.revoked_at = 0 ORDER BY g.created_at, g.id",
      "UPDATE grants SET revoked_at = ?2 WHERE session_id = ?1 AND revoked_at = 0",
      "DELETE FROM grants WHERE expires_at <= ?1",
      "SELECT * FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id WHERE r.token_hash = ?1",
      "UPDATE refresh_tokens SET rotated_at = ?2 WHERE token_hash = ?1 AND rotated_at = 0",
      "DELETE FROM refresh_tokens WHERE grant_id = ?1",  // the cascade from grants
      "DELETE FROM refresh_tokens WHERE expires_at <= ?1 OR grant_id IN "
      "(SELECT id FROM grants WHERE expires_at <= ?1)",
      "UPDATE access_tokens SET revoked_at = ?2 WHERE grant_id = ?1 AND revoked_at = 0",
      "UPDATE access_tokens SET revoked_at = ?2 WHERE revoked_at = 0 AND grant_id IN "
      "(SELECT id FROM grants WHERE session_id = ?1)",
      "SELECT a.revoked_at, coalesce(g.revoked_at, 0) FROM access_tokens a "
      "LEFT JOIN grants g ON g.id = a.grant_id WHERE a.jti = ?1",
      "DELETE FROM access_tokens WHERE expires_at <= ?1",
      "UPDATE sessions SET last_seen_at = ?2, idle_expires_at = min(?3, expires_at) "
      "WHERE id = ?1 AND expires_at > ?2 AND idle_expires_at > ?2",
  });
}

// Old rows survive the upgrade (STYLE.md §2.7): a file made by a binary that knew migrations 1
// to 3, with a client and an unredeemed code in it.
TEST(SqliteTokensTest, MigratesASchemaVersion3DatabaseKeepingItsClientsAndCodes) {
  ASSERT_GE(Migrations().size(), 4u);
  ASSERT_EQ(Migrations()[2].version, 3);
  const fs::path path = TempDirEnvironment::NewPath("v3");
  {
    auto db = DatabaseAtVersion(path, 3);
    SQLite::Database& raw = *db;
    raw.exec("INSERT INTO clients VALUES ('skc_old', 'Old app', 'hash', 100, 100)");
    raw.exec("INSERT INTO client_redirect_uris VALUES ('skc_old', 0, 0, 'https://old.example/cb')");
    raw.exec(
        "INSERT INTO authorization_codes VALUES ('code-old', 'txn_old', 'skc_old', 'https://old.example/cb', "
        "'openid', '', '', 'usr_old', '', '', 'conn_old', 'otp', 100, 100, 4000000000, 0)");
  }
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(int version, store->SchemaVersion());
  EXPECT_EQ(version, Migrations().back().version);
  ASSERT_OK_AND_ASSIGN(Client client, store->GetClient("skc_old"));
  EXPECT_EQ(client.redirect_uris, std::vector<std::string>{"https://old.example/cb"});
  EXPECT_TRUE(client.scopes.empty());
  EXPECT_EQ(client.organization_id, "");
  EXPECT_EQ(client.backchannel_logout_uri, "");
  ASSERT_OK(store->UpdateClient("skc_old", [](Client c) -> Result<Client> {
    c.scopes = {"read"};
    return c;
  }));
  // A code issued before the upgrade is exchanged after it.
  ASSERT_OK(store->RedeemAuthorizationCode("code-old", kNow, [](const AuthorizationCode& c) {
    return Result<TokenIssue>(MakeIssue(c, "gnt_old", "refresh-old", "tkn_old"));
  }));
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup found, store->FindRefreshToken("refresh-old"));
  EXPECT_EQ(found.grant.code_hash, "code-old");
  EXPECT_EQ(found.grant.client_id, "skc_old");
  EXPECT_OK(store->CheckIntegrity());
}

TEST(SqliteTokensTest, ScopesThatAreNotAJsonArrayOfStringsAreRefusedOrDataLoss) {
  const fs::path path = TempDirEnvironment::NewPath("scopes");
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateClient({.id = "skc_1", .name = "App", .secret_hash = "hash", .scopes = {"a", "b"}}));
  SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
  EXPECT_EQ(raw.execAndGet("SELECT scopes FROM clients WHERE id = 'skc_1'").getString(), R"(["a","b"])");
  // The schema takes only a JSON array ...
  EXPECT_THROW(raw.exec("UPDATE clients SET scopes = '{}' WHERE id = 'skc_1'"), SQLite::Exception);
  EXPECT_THROW(raw.exec("UPDATE clients SET scopes = 'read write' WHERE id = 'skc_1'"), SQLite::Exception);
  // ... and the store only one of strings.
  raw.exec(R"(UPDATE clients SET scopes = '["a", 1]' WHERE id = 'skc_1')");
  EXPECT_CODE(store->GetClient("skc_1"), kDataLoss);
  EXPECT_CODE(store->ListClients(), kDataLoss);
}

// A client_credentials token's record has no grant: NULL, which the partial index skips.
TEST(SqliteTokensTest, AnAccessRecordWithoutAGrantStoresNull) {
  const fs::path path = TempDirEnvironment::NewPath("null-grant");
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->RevokeAccessToken("tkn_machine", kNow + 3600, kNow));
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  EXPECT_TRUE(raw.execAndGet("SELECT grant_id FROM access_tokens WHERE jti = 'tkn_machine'").isNull());
}

}  // namespace
}  // namespace gatehouse::store::sqlite
