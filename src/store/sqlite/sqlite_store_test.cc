// SqliteStore: the conformance suite, in memory and on a file, plus what only SQLite has (files,
// several processes on one file, migrations).
#include "store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_test_support.h"
#include "store/store.h"
#include "store_conformance/store_conformance.h"

namespace gatehouse::store::sqlite {
namespace {

namespace fs = std::filesystem;
using ::gatehouse::store::testing::StoreConformanceTest;
using ::gatehouse::store::testing::StoreFactory;
using test_support::CreateOptions;
using test_support::DatabaseAtVersion;
using test_support::ExpectIndexedQueries;
using test_support::OpenOrFail;
using test_support::RunOnBothStores;
using test_support::TempDirEnvironment;

[[maybe_unused]] const auto* const kTempDir = ::testing::AddGlobalTestEnvironment(new TempDirEnvironment);

INSTANTIATE_TEST_SUITE_P(SqliteMemory, StoreConformanceTest,
                         ::testing::Values(StoreFactory([] { return OpenOrFail("sqlite::memory:"); })));

INSTANTIATE_TEST_SUITE_P(SqliteFile, StoreConformanceTest, ::testing::Values(StoreFactory([] {
                           return OpenOrFail("sqlite:" + TempDirEnvironment::NewPath().string());
                         })));

Client TestClient(std::string id) {
  Client c;
  c.id = std::move(id);
  c.name = "0";
  c.secret_hash = "hash";
  c.redirect_uris = {"https://app.example/cb"};
  c.created_at = 1'700'000'000;
  c.updated_at = 1'700'000'000;
  return c;
}

int NewestMigration() { return Migrations().back().version; }

// ---- OpenStore ------------------------------------------------------------------------------

TEST(OpenStoreTest, AcceptedAndRejectedUris) {
  EXPECT_CODE(OpenStore("sqlite:", CreateOptions()), kInvalidArgument);
  EXPECT_CODE(OpenStore("", CreateOptions()), kInvalidArgument);
  EXPECT_CODE(OpenStore("mysql://root:hunter2@db/gatehouse", CreateOptions()), kInvalidArgument);
  EXPECT_CODE(OpenStore("/var/lib/gatehouse.db", CreateOptions()), kInvalidArgument);
  EXPECT_CODE(OpenStore("postgres://gh@db/gatehouse", CreateOptions()), kFailedPrecondition);
  EXPECT_CODE(OpenStore("postgresql://gh@db/gatehouse", CreateOptions()), kFailedPrecondition);
  EXPECT_OK(OpenStore("sqlite::memory:"));  // default options: memory needs no file
  auto unknown = OpenStore("mysql://root:hunter2@db/gatehouse");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message().find("hunter2"), std::string::npos) << unknown.error().message();
  EXPECT_NE(unknown.error().message().find("sqlite:PATH"), std::string::npos) << unknown.error().message();
}

TEST(SqliteStoreTest, MissingFileWithoutCreateIsNotFound) {
  const fs::path path = TempDirEnvironment::NewPath("missing");
  OpenOptions options;
  options.create_if_missing = false;
  auto store = OpenStore("sqlite:" + path.string(), options);
  EXPECT_CODE(store, kNotFound);
  if (!store.ok()) {
    EXPECT_NE(store.error().message().find("does not exist"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(SqliteStoreTest, CreatesAnOwnerOnlyWalFileAndReopensIt) {
  const fs::path path = TempDirEnvironment::NewPath();
  {
    auto store = OpenOrFail("sqlite:" + path.string());
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->CreateClient(TestClient("skc_persist")));
    ASSERT_OK(store->PutSetting("issuer", "https://auth.example"));
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  {
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
    SQLite::Statement rows(raw, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    int n = 0;
    while (rows.executeStep()) {
      EXPECT_EQ(rows.getColumn(0).getInt(), Migrations()[n].version);
      EXPECT_EQ(rows.getColumn(1).getString(), std::string(Migrations()[n].name));
      EXPECT_GT(rows.getColumn(2).getInt64(), 1'600'000'000);
      ++n;
    }
    EXPECT_EQ(n, static_cast<int>(Migrations().size()));
  }
  OpenOptions no_create;
  no_create.create_if_missing = false;
  auto reopened = OpenStore("sqlite:" + path.string(), no_create);
  ASSERT_OK(reopened);
  ASSERT_OK_AND_ASSIGN(Client c, (*reopened)->GetClient("skc_persist"));
  EXPECT_EQ(c, TestClient("skc_persist"));
  ASSERT_OK_AND_ASSIGN(std::string issuer, (*reopened)->GetSetting("issuer"));
  EXPECT_EQ(issuer, "https://auth.example");
  ASSERT_OK_AND_ASSIGN(int version, (*reopened)->SchemaVersion());
  EXPECT_EQ(version, NewestMigration());
}

TEST(SqliteStoreTest, RelativePathThatLooksLikeAUriIsAFile) {
  const fs::path dir = TempDirEnvironment::Dir();
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir);
  {
    auto store = OpenStore("sqlite:file:uri_like.db", CreateOptions());
    EXPECT_OK(store);
  }
  fs::current_path(old_cwd);
  EXPECT_TRUE(fs::exists(dir / "file:uri_like.db"));
}

TEST(SqliteStoreTest, GarbageFileIsDataLoss) {
  for (const std::string& garbage :
       {std::string("hello, not a database\n"), std::string(8192, 'x') + "still not a database"}) {
    const fs::path path = TempDirEnvironment::NewPath("garbage");
    std::ofstream(path, std::ios::binary) << garbage;
    for (bool create : {false, true}) {
      OpenOptions options = CreateOptions();
      options.create_if_missing = create;
      auto store = OpenStore("sqlite:" + path.string(), options);
      EXPECT_CODE(store, kDataLoss);
      if (!store.ok()) {
        EXPECT_NE(store.error().message().find("not a SQLite database"), std::string::npos)
            << store.error().message();
      }
    }
    // Untouched.
    std::ifstream in(path, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), garbage);
  }
}

TEST(SqliteStoreTest, NewerSchemaIsDataLoss) {
  const fs::path path = TempDirEnvironment::NewPath();
  ASSERT_NE(OpenOrFail("sqlite:" + path.string()), nullptr);
  {
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 1)");
  }
  auto store = OpenStore("sqlite:" + path.string(), CreateOptions());
  EXPECT_CODE(store, kDataLoss);
  if (!store.ok()) {
    EXPECT_EQ(store.error().message(), "store schema version 999 is newer than this gatehouse (" +
                                           std::to_string(NewestMigration()) + ")");
  }
}

TEST(SqliteStoreTest, ConcurrentOpensOfANewFileApplyEachMigrationOnce) {
  for (int round = 0; round < 5; ++round) {
    const fs::path path = TempDirEnvironment::NewPath("race");
    constexpr int kOpeners = 4;
    std::vector<std::unique_ptr<Store>> stores(kOpeners);
    std::vector<Status> errors(kOpeners);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        auto s = OpenStore("sqlite:" + path.string(), CreateOptions());
        if (s.ok()) {
          stores[i] = std::move(s).value();
        } else {
          errors[i] = s.error();
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_TRUE(e.ok()) << e.ToString();
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM schema_migrations").getInt(),
              static_cast<int>(Migrations().size()));
    EXPECT_EQ(raw.execAndGet("SELECT max(version) FROM schema_migrations").getInt(), NewestMigration());
  }
}

// Checkpoints run mostly on the store's background thread (checkpointer.h), and inline only
// past the cap: the log must still be reused under sustained writes, or it would grow with them.
TEST(SqliteStoreTest, TheLogStaysBoundedUnderSustainedWrites) {
  const std::filesystem::path path = TempDirEnvironment::NewPath("wal");
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  // 8,000 commits of a 3 KiB value, back to back: about 130 MiB of log pages in all.
  const std::string value(3 * 1024, 'v');
  constexpr int kWrites = 8000;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(store->PutSetting("bulk." + std::to_string(i), value).ok());
  }
  // The cap is 4,000 pages (16 MiB); a commit or two may land past it.
  EXPECT_LT(std::filesystem::file_size(path.string() + "-wal"), std::uintmax_t{24} << 20)
      << "the log grew with the writes";
  auto last = store->GetSetting("bulk." + std::to_string(kWrites - 1));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, value);
}

TEST(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("shared").string();
  auto a = OpenOrFail(uri);
  auto b = OpenOrFail(uri);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);

  ASSERT_OK(a->CreateClient(TestClient("skc_shared")));
  ASSERT_OK_AND_ASSIGN(Client seen, b->GetClient("skc_shared"));
  EXPECT_EQ(seen, TestClient("skc_shared"));
  EXPECT_CODE(b->CreateClient(TestClient("skc_shared")), kAlreadyExists);
  ASSERT_OK(b->PutSetting("issuer", "https://b.example"));
  ASSERT_OK_AND_ASSIGN(std::string issuer, a->GetSetting("issuer"));
  EXPECT_EQ(issuer, "https://b.example");

  // Writers in both "processes" at once: IMMEDIATE transactions keep every increment.
  constexpr int kPerStore = 4, kIncrements = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kPerStore; ++t) {
    Store* s = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([s, &failures] {
      for (int i = 0; i < kIncrements; ++i) {
        auto r = s->UpdateClient("skc_shared", [](Client c) -> Result<Client> {
          c.name = std::to_string(std::stoi(c.name) + 1);
          return c;
        });
        if (!r.ok()) {
          ADD_FAILURE() << r.error().ToString();
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(Client after, a->GetClient("skc_shared"));
  EXPECT_EQ(after.name, std::to_string(2 * kPerStore * kIncrements));

  // One store rotates; the other, holding stale expectations, loses the compare-and-swap.
  SigningKeyRecord next;
  next.kid = "k1";
  next.alg = "ES256";
  next.public_jwk = "{}";
  next.sealed_private_key = "sealed";
  ASSERT_OK(a->InsertSigningKey(next));
  SigningKeyRecord n2 = next, n3 = next;
  n2.kid = "k2";
  n3.kid = "k3";
  ASSERT_OK(a->RotateSigningKeys("ES256", "", "k1", n2, 10, 20));
  EXPECT_CODE(b->RotateSigningKeys("ES256", "", "k1", n3, 10, 20), kAborted);
}

TEST(SqliteStoreTest, TwoStoresOnOneFileShareARateLimitExactly) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("rate").string();
  auto a = OpenOrFail(uri);
  auto b = OpenOrFail(uri);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // A fresh key each round, so that every round races on starting the window and on the
  // last slot: 8 threads x 3 hits for 7 slots.
  constexpr int kLimit = 7, kHits = 3;
  for (int round = 0; round < 10; ++round) {
    const std::string key = "otp:" + std::to_string(round) + "@example.com";
    std::atomic<int> allowed{0}, refused{0};
    std::vector<std::atomic<int>> seen_count(kLimit + 1);
    RunOnBothStores(*a, *b, [&](Store& s, int) {
      for (int i = 0; i < kHits; ++i) {
        auto r = s.HitRateLimit(key, kLimit, 600, 1000 + i);
        if (!r.ok()) {
          ADD_FAILURE() << r.error().ToString();
        } else if (r->allowed) {
          ++allowed;
          if (r->count >= 1 && r->count <= kLimit) ++seen_count[r->count];
        } else {
          ++refused;
        }
      }
    });
    EXPECT_EQ(allowed.load(), kLimit) << "round " << round;
    EXPECT_EQ(refused.load(), 8 * kHits - kLimit);
    for (int c = 1; c <= kLimit; ++c) EXPECT_EQ(seen_count[c].load(), 1) << "round " << round << ", count " << c;
  }
}

TEST(SqliteStoreTest, TwoStoresOnOneFileNeverClaimTheSameLogoutDelivery) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("logout").string();
  auto a = OpenOrFail(uri);
  auto b = OpenOrFail(uri);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kDeliveries = 60;
  for (int i = 0; i < kDeliveries; ++i) {
    auto id = a->EnqueueLogoutDelivery({.client_id = "app", .uri = "https://app.example.com/bc", .user_id = "usr_1",
                                        .session_id = "ses_" + std::to_string(i), .next_at_ms = 1000 + i});
    ASSERT_TRUE(id.ok()) << id.error().ToString();
  }
  std::mutex mu;
  std::vector<std::int64_t> seen;
  RunOnBothStores(*a, *b, [&](Store& s, int) {
    for (;;) {
      auto r = s.ClaimLogoutDeliveries(5000, 60'000, 2);
      if (!r.ok()) {
        ADD_FAILURE() << r.error().ToString();
        return;
      }
      if (r->empty()) return;
      std::lock_guard lock(mu);
      for (const LogoutDelivery& d : *r) seen.push_back(d.id);
    }
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kDeliveries));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a delivery was claimed twice";
}

TEST(SqliteStoreTest, TwoStoresOnOneFileConsumeAChallengeOnce) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("challenge").string();
  auto a = OpenOrFail(uri);
  auto b = OpenOrFail(uri);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int round = 0; round < 10; ++round) {
    EmailChallenge c;
    c.transaction_id = "txn_" + std::to_string(round);
    c.email = "alice@example.com";
    c.link_hash = "link-" + c.transaction_id;
    c.expires_at = 2000;
    ASSERT_OK(a->PutEmailChallenge(c));
    std::atomic<int> winners{0};
    RunOnBothStores(*a, *b, [&](Store& s, int t) {
      auto r = s.UpdateEmailChallenge(c.transaction_id, [t](EmailChallenge current) -> Result<EmailChallenge> {
        if (current.consumed_at != 0) return FailedPreconditionError("already consumed");
        current.consumed_at = 1000 + t;
        return current;
      });
      if (r.ok()) {
        ++winners;
      } else if (r.error().code() != StatusCode::kFailedPrecondition) {
        ADD_FAILURE() << r.error().ToString();
      }
    });
    EXPECT_EQ(winners.load(), 1) << "round " << round;
    ASSERT_OK_AND_ASSIGN(EmailChallenge after, b->FindEmailChallengeByLink(c.link_hash));
    EXPECT_NE(after.consumed_at, 0);
    EXPECT_CODE(b->PutEmailChallenge(c), kFailedPrecondition);
  }
}

TEST(SqliteStoreTest, TwoStoresOnOneFileConsumeACodeOnce) {
  const std::string uri = "sqlite:" + TempDirEnvironment::NewPath("code").string();
  auto a = OpenOrFail(uri);
  auto b = OpenOrFail(uri);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int round = 0; round < 10; ++round) {
    AuthorizationCode code;
    code.code_hash = "hash-" + std::to_string(round);
    code.transaction_id = "txn_" + std::to_string(round);
    code.client_id = "skc_app";
    code.expires_at = 2000;
    ASSERT_OK(b->CreateAuthorizationCode(code));
    EXPECT_CODE(a->CreateAuthorizationCode(code), kAlreadyExists);
    std::vector<UnixSeconds> seen(8, -1);
    RunOnBothStores(*a, *b, [&](Store& s, int t) {
      auto r = s.ConsumeAuthorizationCode(code.code_hash, 1000 + t);
      if (r.ok()) {
        seen[t] = r->consumed_at;
      } else {
        ADD_FAILURE() << r.error().ToString();
      }
    });
    ASSERT_EQ(std::count(seen.begin(), seen.end(), 0), 1) << "round " << round;
    const int winner = static_cast<int>(std::find(seen.begin(), seen.end(), 0) - seen.begin());
    for (int t = 0; t < 8; ++t) {
      if (t != winner) {
        EXPECT_EQ(seen[t], 1000 + winner);
      }
    }
  }
}

// Old rows survive the upgrade (STYLE.md §2.7): a file made by a binary that knew migrations
// 1 and 2 only, with a client, an organization, a domain and a connection in it.
TEST(SqliteStoreTest, MigratesASchemaVersion2DatabaseKeepingItsRows) {
  ASSERT_GE(Migrations().size(), 3u);
  ASSERT_EQ(Migrations()[1].version, 2);
  const fs::path path = TempDirEnvironment::NewPath("v2");
  {
    auto db = DatabaseAtVersion(path, 2);
    SQLite::Database& raw = *db;
    raw.exec("INSERT INTO clients VALUES ('skc_old', 'Old app', 'hash', 100, 100)");
    raw.exec("INSERT INTO client_redirect_uris VALUES ('skc_old', 0, 0, 'https://old.example/cb')");
    raw.exec("INSERT INTO organizations VALUES ('org_old', 'Old org', 'ext-old', 100, 100)");
    raw.exec("INSERT INTO domains VALUES ('dom_old', 'org_old', 'old.example', 100)");
    raw.exec("INSERT INTO connections VALUES ('conn_old', 'org_old', 1, 'okta', 'Okta', 1, '{}', 100, 100)");
  }
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(int version, store->SchemaVersion());
  EXPECT_EQ(version, NewestMigration());
  ASSERT_OK_AND_ASSIGN(Client client, store->GetClient("skc_old"));
  EXPECT_EQ(client.redirect_uris, std::vector<std::string>{"https://old.example/cb"});
  ASSERT_OK_AND_ASSIGN(Organization org, store->GetOrganization("org_old"));
  EXPECT_EQ(org.external_id, "ext-old");
  ASSERT_OK_AND_ASSIGN(Domain domain, store->FindDomain("old.example"));
  EXPECT_EQ(domain.organization_id, "org_old");
  ASSERT_OK(store->GetConnection("conn_old"));
  // The new tables work with the old rows: a member of the old organization, cascaded away
  // with it.
  User user;
  user.id = "usr_new";
  user.email = "new@old.example";
  ASSERT_OK(store->CreateUser(user));
  ASSERT_OK_AND_ASSIGN(bool added, store->AddMembership({"org_old", "usr_new", 200}));
  EXPECT_TRUE(added);
  EXPECT_OK(store->CheckIntegrity());
  ASSERT_OK(store->DeleteOrganization("org_old"));
  ASSERT_OK_AND_ASSIGN(auto memberships, store->ListUserMemberships("usr_new"));
  EXPECT_TRUE(memberships.empty());
  EXPECT_OK(store->CheckIntegrity());
}

// Every lookup the store makes on the 0003 tables is served by an index, not a table scan.
TEST(SqliteStoreTest, AuthLookupsUseIndexes) {
  const fs::path path = TempDirEnvironment::NewPath("plan");
  ASSERT_NE(OpenOrFail("sqlite:" + path.string()), nullptr);
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  ExpectIndexedQueries(raw, {
      "SELECT * FROM users WHERE id = ?1",
      "SELECT * FROM users WHERE email = ?1",
      "SELECT * FROM users ORDER BY created_at, id",
      "SELECT * FROM memberships WHERE user_id = ?1 ORDER BY created_at, organization_id",
      "DELETE FROM memberships WHERE organization_id = ?1",  // the cascade from organizations
      "SELECT * FROM sessions WHERE token_hash = ?1",
      "DELETE FROM sessions WHERE user_id = ?1",  // the cascade from users
      "DELETE FROM sessions WHERE idle_expires_at <= ?1 OR expires_at <= ?1",
      "SELECT * FROM email_challenges WHERE transaction_id = ?1",
      "SELECT * FROM email_challenges WHERE link_hash = ?1",
      "DELETE FROM email_challenges WHERE expires_at <= ?1",
      "SELECT * FROM rate_limits WHERE key = ?1",
      "DELETE FROM rate_limits WHERE window_end <= ?1",
      "SELECT * FROM authorization_codes WHERE code_hash = ?1",
      "SELECT * FROM authorization_codes WHERE transaction_id = ?1",
      "DELETE FROM authorization_codes WHERE expires_at <= ?1",
  });
}

TEST(SqliteStoreTest, EmptyLinkHashIsStoredAsNull) {
  const fs::path path = TempDirEnvironment::NewPath("null");
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  EmailChallenge c;
  c.transaction_id = "txn_1";
  ASSERT_OK(store->PutEmailChallenge(c));
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  EXPECT_TRUE(raw.execAndGet("SELECT link_hash FROM email_challenges WHERE transaction_id = 'txn_1'").isNull());
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store->GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, c);
}

// The Store has no DeleteUser yet; the schema already cascades a user's deletion to their
// sessions and memberships (store.h: "Deleting either deletes the membership").
TEST(SqliteStoreTest, DeletingAUserRowTakesItsSessionsAndMemberships) {
  const fs::path path = TempDirEnvironment::NewPath("cascade");
  auto store = OpenOrFail("sqlite:" + path.string());
  ASSERT_NE(store, nullptr);
  Organization org;
  org.id = "org_a";
  ASSERT_OK(store->CreateOrganization(org));
  for (const char* id : {"usr_gone", "usr_stay"}) {
    User u;
    u.id = id;
    u.email = std::string(id) + "@example.com";
    ASSERT_OK(store->CreateUser(u));
    ASSERT_OK(store->AddMembership({"org_a", id, 1}));
    Session s;
    s.id = std::string("ses_") + id;
    s.token_hash = std::string("token-") + id;
    s.user_id = id;
    ASSERT_OK(store->CreateSession(s));
  }
  {
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA foreign_keys = ON");
    raw.exec("DELETE FROM users WHERE id = 'usr_gone'");
  }
  EXPECT_CODE(store->GetSession("ses_usr_gone"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto memberships, store->ListUserMemberships("usr_gone"));
  EXPECT_TRUE(memberships.empty());
  EXPECT_OK(store->GetSession("ses_usr_stay"));
  ASSERT_OK_AND_ASSIGN(memberships, store->ListUserMemberships("usr_stay"));
  EXPECT_EQ(memberships.size(), 1u);
  EXPECT_OK(store->CheckIntegrity());
}

TEST(SqliteStoreTest, WriterLockedByAnotherProcessIsUnavailable) {
  const fs::path path = TempDirEnvironment::NewPath("locked");
  OpenOptions options = CreateOptions();
  options.busy_timeout_ms = 200;
  auto store = OpenOrFail("sqlite:" + path.string(), options);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->PutSetting("k", "v"));

  SQLite::Database other(path.string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  other.exec("INSERT INTO settings (key, value) VALUES ('other', 'uncommitted')");
  EXPECT_CODE(store->PutSetting("k", "w"), kUnavailable);
  EXPECT_CODE(store->UpdateClient("skc_x", [](Client c) -> Result<Client> { return c; }), kUnavailable);
  // WAL: readers are not blocked by the writer, and see only committed data.
  ASSERT_OK_AND_ASSIGN(std::string v, store->GetSetting("k"));
  EXPECT_EQ(v, "v");
  EXPECT_CODE(store->GetSetting("other"), kNotFound);
  EXPECT_OK(store->Ping());
  other.exec("COMMIT");
  EXPECT_OK(store->PutSetting("k", "w"));
  ASSERT_OK_AND_ASSIGN(v, store->GetSetting("other"));
  EXPECT_EQ(v, "uncommitted");
}

TEST(SqliteStoreTest, CorruptionIsDataLoss) {
  const fs::path path = TempDirEnvironment::NewPath("corrupt");
  {
    auto store = OpenOrFail("sqlite:" + path.string());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 300; ++i) {
      Client c = TestClient("skc_" + std::to_string(i));
      c.redirect_uris = {"https://app.example/cb/" + std::string(100, static_cast<char>('a' + i % 26))};
      ASSERT_OK(store->CreateClient(c));
    }
  }  // the last connection checkpoints the WAL into the file
  const auto size = fs::file_size(path);
  ASSERT_GT(size, 8u * 4096u);
  {
    // Scribble over the middle of every page after the first two (page 1 holds the schema).
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    for (std::uintmax_t page = 2; page * 4096 < size; ++page) {
      f.seekp(static_cast<std::streamoff>(page * 4096 + 1000));
      f << std::string(200, '\xA5');
    }
  }
  auto store = OpenStore("sqlite:" + path.string(), CreateOptions());
  if (!store.ok()) {
    EXPECT_CODE(store, kDataLoss);
    return;
  }
  EXPECT_CODE((*store)->CheckIntegrity(), kDataLoss);
  Status integrity = (*store)->CheckIntegrity();
  EXPECT_NE(integrity.message().find("integrity_check"), std::string::npos) << integrity.message();
}

}  // namespace
}  // namespace gatehouse::store::sqlite
