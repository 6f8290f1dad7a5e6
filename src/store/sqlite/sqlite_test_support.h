// What the SqliteStore tests share (sqlite_store_test.cc, sqlite_tokens_test.cc): a temporary
// directory for database files, opening a store, and running threads against two stores on
// one file (two server nodes, or the CLI next to a server).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite/migrations.h"
#include "store/store.h"

namespace gatehouse::store::sqlite::test_support {

// Generous: the suite's concurrency tests queue many writers, and sanitizer builds are slow.
inline constexpr int kTestBusyTimeoutMs = 30'000;

// A fresh directory for this test binary's files, removed when the binary ends
// (sqlite_store_test.cc registers it as a global test environment).
class TempDirEnvironment : public ::testing::Environment {
 public:
  static const std::filesystem::path& Dir() {
    static const std::filesystem::path dir = [] {
      std::string tmpl = (std::filesystem::temp_directory_path() / "gatehouse_store_test_XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) {
        ADD_FAILURE() << "mkdtemp failed";
        return std::filesystem::temp_directory_path();
      }
      return std::filesystem::path(tmpl);
    }();
    return dir;
  }
  // A path no one has used yet, for a new database.
  static std::filesystem::path NewPath(std::string_view stem = "store") {
    static std::atomic<int> counter{0};
    return Dir() / (std::string(stem) + "_" + std::to_string(counter++) + ".db");
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(Dir(), ec);
  }
};

inline OpenOptions CreateOptions() {
  OpenOptions o;
  o.create_if_missing = true;
  o.busy_timeout_ms = kTestBusyTimeoutMs;
  return o;
}

inline std::unique_ptr<Store> OpenOrFail(const std::string& uri, const OpenOptions& options = CreateOptions()) {
  auto store = OpenStore(uri, options);
  if (!store.ok()) {
    ADD_FAILURE() << "OpenStore(" << uri << "): " << store.error().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

// Runs fn(store, thread_index) on kPerStore threads against each of two stores at once, as two
// server nodes sharing one file would.
template <typename Fn>
void RunOnBothStores(Store& a, Store& b, Fn fn) {
  constexpr int kPerStore = 4;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kPerStore; ++t) {
    Store* s = t % 2 == 0 ? &a : &b;
    threads.emplace_back([&go, &fn, s, t] {
      while (!go.load()) std::this_thread::yield();
      fn(*s, t);
    });
  }
  go = true;
  for (auto& th : threads) th.join();
}

// A database file at schema `version` (the first `version` migrations applied, recorded as
// SqliteStore records them), open for the test to add rows the old schema allowed.
inline std::unique_ptr<SQLite::Database> DatabaseAtVersion(const std::filesystem::path& path, int version) {
  auto raw = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  raw->exec("PRAGMA journal_mode = WAL");
  raw->exec(
      "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL) STRICT");
  for (int i = 0; i < version; ++i) {
    SQLite::Transaction txn(*raw);
    raw->exec(std::string(Migrations()[i].sql));
    SQLite::Statement record(*raw, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 1)");
    record.bind(1, Migrations()[i].version);
    record.bind(2, std::string(Migrations()[i].name));
    record.exec();
    txn.commit();
  }
  return raw;
}

// Expects every query to use an index: no full table scan ("SCAN t" without "USING"; a listing's
// "SCAN t USING INDEX i" reads in index order) and no sorting in a temporary B-tree.
inline void ExpectIndexedQueries(SQLite::Database& raw, std::initializer_list<const char*> queries) {
  for (const char* query : queries) {
    SQLite::Statement plan(raw, std::string("EXPLAIN QUERY PLAN ") + query);
    std::string details;
    while (plan.executeStep()) details += plan.getColumn(3).getString() + "; ";
    const bool table_scan = details.find("SCAN") != std::string::npos && details.find("USING") == std::string::npos;
    EXPECT_FALSE(table_scan) << query << ": " << details;
    EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << query << ": " << details;
  }
}

}  // namespace gatehouse::store::sqlite::test_support
