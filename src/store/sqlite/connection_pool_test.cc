// ConnectionPool: the writer connection keeps its page cache between writes, and opening a
// store turns off SQLite's allocation counts.
#include "store/sqlite/connection_pool.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_test_support.h"

namespace gatehouse::store::sqlite {
namespace {

using test_support::OpenOrFail;
using test_support::TempDirEnvironment;

// Pages the write fetched from outside the connection's cache (file or log).
int CacheMissesOfAnUpdate(ConnectionPool& pool) {
  int misses = -1;
  Status s = RunWrite(pool, "update", [&](SQLite::Database& db) -> Status {
    int current = 0, highest = 0;
    sqlite3_db_status(db.getHandle(), SQLITE_DBSTATUS_CACHE_MISS, &current, &highest, /*reset=*/1);
    Prepare(db, "UPDATE t SET v = randomblob(16)").exec();
    sqlite3_db_status(db.getHandle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &highest, /*reset=*/0);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return misses;
}

// SQLite empties a connection's cache when another connection has committed since its last
// transaction. Every write goes through the pool's one writer connection, so a write after a
// write reads nothing again, even when other connections were leased meanwhile.
TEST(ConnectionPoolTest, AWriteAfterAWriteFindsItsPagesInTheCache) {
  PoolConfig config;
  config.path = TempDirEnvironment::NewPath("pool").string();
  config.create = true;
  config.busy_timeout_ms = 1000;
  config.max_connections = 4;
  ConnectionPool pool(config);
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    lease->db().exec("PRAGMA journal_mode = WAL");
    lease->db().exec("CREATE TABLE t (v BLOB); INSERT INTO t VALUES (zeroblob(16))");
  }
  EXPECT_GT(CacheMissesOfAnUpdate(pool), 0);  // a new connection: its cache starts empty
  for (int i = 0; i < 3; ++i) {
    auto reader = pool.Acquire();  // a reader leased during the write: another connection
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(CacheMissesOfAnUpdate(pool), 0) << "write " << i;
  }
}

// Debian's SQLite counts allocations under a global mutex by default; a store turns it off.
// The switch works only before SQLite's first use in the process, so the check runs in a
// process of its own (a "threadsafe" death test re-executes the binary for this test alone).
TEST(ConnectionPoolTest, OpeningAStoreTurnsOffSqlitesAllocationCounts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto store = OpenOrFail("sqlite:" + TempDirEnvironment::NewPath("mem").string());
        const bool stored = store != nullptr && store->PutSetting("k", std::string(10000, 'v')).ok();
        std::fprintf(stderr, "stored %d, counted %lld bytes\n", stored ? 1 : 0,
                     static_cast<long long>(sqlite3_memory_used()));
        std::exit(stored && sqlite3_memory_used() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "stored 1, counted 0 bytes");
}

}  // namespace
}  // namespace gatehouse::store::sqlite
