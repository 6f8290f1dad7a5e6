#include "store/sqlite/checkpointer.h"

#include <sqlite3.h>

#include <utility>

#include "common/log.h"

namespace gatehouse::store::sqlite {

Checkpointer::Checkpointer(std::string path, int pages, int cap_pages)
    : path_(std::move(path)),
      pages_(pages),
      cap_pages_(cap_pages),
      next_request_(pages),
      thread_([this] { Run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Checkpointer::Watch(sqlite3* db) { sqlite3_wal_hook(db, &Checkpointer::OnCommit, this); }

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* schema, int log_pages) {
  auto* c = static_cast<Checkpointer*>(self);
  int next = c->next_request_.load(std::memory_order_relaxed);
  if (log_pages < c->pages_) {
    // The log has been reused since the last request (or never reached the mark).
    if (next != c->pages_) c->next_request_.store(c->pages_, std::memory_order_relaxed);
    return SQLITE_OK;
  }
  if (log_pages >= c->cap_pages_) {
    // What SQLite's own hook does at its mark. SQLITE_BUSY (a background pass is running) is
    // fine: the next commit tries again. The commit itself has succeeded either way.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  // One of the commits that reach the next mark asks; the others go on.
  if (log_pages < next || !c->next_request_.compare_exchange_strong(next, log_pages + c->pages_,
                                                                    std::memory_order_relaxed)) {
    return SQLITE_OK;
  }
  {
    std::lock_guard lock(c->mu_);
    if (c->due_) return SQLITE_OK;  // the thread has not started the last requested pass yet
    c->due_ = true;
  }
  c->cv_.notify_one();
  return SQLITE_OK;
}

void Checkpointer::Run() {
  sqlite3* db = nullptr;  // opened on the first checkpoint, closed when stopping
  bool warned_no_log = false;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return due_ || stop_; });
    if (stop_) break;
    due_ = false;
    lock.unlock();
    int rc = SQLITE_OK;
    if (db == nullptr) {
      rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
      // A connection learns that the file is in WAL mode (and opens the log) only when it first
      // reads the database; until then sqlite3_wal_checkpoint_v2 does nothing and reports
      // success. One read of the header does it.
      if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
      if (rc != SQLITE_OK) {
        log::Warn("sqlite: background checkpoint: cannot open or read the database", {{"error", sqlite3_errstr(rc)}});
        sqlite3_close_v2(db);  // a handle comes back even on failure
        db = nullptr;
      }
    }
    if (db != nullptr) {
      int log_frames = 0;
      rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, nullptr);
      passes_.fetch_add(1, std::memory_order_relaxed);
      if (rc == SQLITE_OK && log_frames < 0 && !warned_no_log) {
        // -1: this connection has no log open (the file is not in WAL mode): nothing was copied.
        log::Warn("sqlite: background checkpoint: the database is not in WAL mode");
        warned_no_log = true;
      }
      // SQLITE_BUSY: another process is checkpointing; the next commit past the mark asks again.
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log::Warn("sqlite: background checkpoint failed", {{"error", sqlite3_errmsg(db)}});
      }
    }
    lock.lock();
  }
  lock.unlock();
  sqlite3_close_v2(db);  // a no-op for nullptr
}

}  // namespace gatehouse::store::sqlite
