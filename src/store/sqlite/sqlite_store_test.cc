// SqliteStore: the conformance suite, in memory and on a file, plus what only SQLite has (files,
// several processes on one file, migrations).
#include "store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/store.h"
#include "store_conformance/store_conformance.h"

namespace gatehouse::store::sqlite {
namespace {

namespace fs = std::filesystem;
using ::gatehouse::store::testing::StoreConformanceTest;
using ::gatehouse::store::testing::StoreFactory;

// Generous: the suite's concurrency tests queue many writers, and sanitizer builds are slow.
constexpr int kTestBusyTimeoutMs = 30'000;

// A fresh directory for this test binary's files, removed when the binary ends.
class TempDirEnvironment : public ::testing::Environment {
 public:
  static const fs::path& Dir() {
    static const fs::path dir = [] {
      std::string tmpl = (fs::temp_directory_path() / "gatehouse_store_test_XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) {
        ADD_FAILURE() << "mkdtemp failed";
        return fs::temp_directory_path();
      }
      return fs::path(tmpl);
    }();
    return dir;
  }
  // A path no one has used yet, for a new database.
  static fs::path NewPath(std::string_view stem = "store") {
    static std::atomic<int> counter{0};
    return Dir() / (std::string(stem) + "_" + std::to_string(counter++) + ".db");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(Dir(), ec);
  }
};
[[maybe_unused]] const auto* const kTempDir = ::testing::AddGlobalTestEnvironment(new TempDirEnvironment);

OpenOptions CreateOptions() {
  OpenOptions o;
  o.create_if_missing = true;
  o.busy_timeout_ms = kTestBusyTimeoutMs;
  return o;
}

std::unique_ptr<Store> OpenOrFail(const std::string& uri, const OpenOptions& options = CreateOptions()) {
  auto store = OpenStore(uri, options);
  if (!store.ok()) {
    ADD_FAILURE() << "OpenStore(" << uri << "): " << store.error().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

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
