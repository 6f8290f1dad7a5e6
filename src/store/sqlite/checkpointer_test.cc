// Checkpointer: when the background thread is asked for a pass.
#include "store/sqlite/checkpointer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_test_support.h"

namespace gatehouse::store::sqlite {
namespace {

using test_support::TempDirEnvironment;

sqlite3* OpenWal(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr),
            SQLITE_OK);
  return db;
}

void Exec(sqlite3* db, const char* sql) { ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql; }

// A reader that stays in its transaction keeps every pass from catching up, so the log only
// grows. The thread is asked once per 1,000 pages of log, not after each commit past the mark.
TEST(CheckpointerTest, AGrowingLogAsksForAPassPerThousandPages) {
  const std::filesystem::path path = TempDirEnvironment::NewPath("ckpt");
  sqlite3* writer = OpenWal(path);
  sqlite3* reader = OpenWal(path);
  Exec(writer, "CREATE TABLE t (v BLOB)");
  Exec(writer, "INSERT INTO t VALUES (zeroblob(10))");
  Exec(reader, "BEGIN");
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(reader, "SELECT count(*) FROM t", -1, &read, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);  // the read transaction starts here

  int passes = 0;
  {
    Checkpointer checkpointer(path.string(), /*pages=*/1000, /*cap_pages=*/100000);
    checkpointer.Watch(writer);
    // One-page commits (the table's only leaf, rewritten): 3,500 pages of log.
    for (int i = 0; i < 3500; ++i) Exec(writer, "UPDATE t SET v = randomblob(10)");
    passes = checkpointer.passes();
  }
  // Asked at about 1,000, 2,000 and 3,000 pages; a pass may still be pending when counted.
  EXPECT_GE(passes, 1);
  EXPECT_LE(passes, 3);
  sqlite3_finalize(read);
  Exec(reader, "COMMIT");
  sqlite3_close(reader);
  sqlite3_close(writer);
}

// A pass copies the log into the database file. (The thread's connection must first learn that
// the file is in WAL mode: a checkpoint on a connection that has read nothing yet does nothing
// and still reports success, and every checkpoint was then left to a commit at the cap.)
TEST(CheckpointerTest, APassCopiesTheLogIntoTheDatabaseFile) {
  const std::filesystem::path path = TempDirEnvironment::NewPath("ckpt");
  sqlite3* writer = OpenWal(path);
  Exec(writer, "CREATE TABLE t (v BLOB)");
  const auto file_size = [&] { return std::filesystem::file_size(path); };
  const std::uintmax_t before = file_size();
  {
    Checkpointer checkpointer(path.string(), /*pages=*/100, /*cap_pages=*/100000);
    checkpointer.Watch(writer);
    // 120 commits of a new 3,000-byte row each (a page per row): the commit that takes the log
    // to 100 pages asks for the pass, which may run while the last ones are written.
    for (int i = 0; i < 120; ++i) Exec(writer, "INSERT INTO t VALUES (randomblob(3000))");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (checkpointer.passes() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_GE(checkpointer.passes(), 1);  // 2 when the log was reused and refilled meanwhile
    // passes() counts a pass once it has returned: what it copied is in the file. A commit
    // writes its row's page and the table's interior page, so the first 100 pages of log hold
    // about 50 rows (without a working pass the file does not grow at all).
    EXPECT_GE(file_size(), before + 25 * 4096);
  }
  // Nothing else copies: the writer's connection stays open (the last one to close would).
  sqlite3_close(writer);
}

// Once a pass has caught up the log is reused, and the next `pages` pages ask again.
TEST(CheckpointerTest, AReusedLogAsksAgainAtTheMark) {
  const std::filesystem::path path = TempDirEnvironment::NewPath("ckpt");
  sqlite3* writer = OpenWal(path);
  Exec(writer, "CREATE TABLE t (v BLOB)");
  Exec(writer, "INSERT INTO t VALUES (zeroblob(10))");
  Checkpointer checkpointer(path.string(), /*pages=*/100, /*cap_pages=*/100000);
  checkpointer.Watch(writer);
  // Each round writes one-page commits up to the mark, then waits for the pass it asked for;
  // with nothing written meanwhile the pass catches up, and the next commit reuses the log.
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 101; ++i) Exec(writer, "UPDATE t SET v = randomblob(10)");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (checkpointer.passes() < round && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_EQ(checkpointer.passes(), round) << "round " << round << " did not ask for a pass";
  }
  sqlite3_close(writer);
}

}  // namespace
}  // namespace gatehouse::store::sqlite
