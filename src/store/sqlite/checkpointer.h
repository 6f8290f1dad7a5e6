// Moves most of SQLite's WAL checkpointing off the committing threads.
//
// By default the commit that takes the write-ahead log past 1000 pages copies the log into the
// database file and syncs both (fdatasync), while it still holds the write lock: every other
// writer of the process, and the request threads they run on, wait out the disk. Here a pool's
// connections only report the log's size after each commit (a WAL hook, in place of SQLite's
// automatic checkpoint), and past `pages` one background thread runs the same PASSIVE
// checkpoint on a connection of its own, beside the writers.
//
// A background pass copies what was committed when it began, but SQLite reuses the log from its
// start only once a checkpoint has caught up with every commit, which it cannot do while writes
// keep coming. So past `cap_pages` the committing connection checkpoints inline, as SQLite
// would: under the process's writer lock nothing new arrives, most pages were copied already,
// and the log is then reused. The log stays below about cap_pages; the writers wait for a disk
// sync once per cap_pages written instead of once per `pages`.
//
// The thread is asked once per `pages` pages of log, not after every commit past the mark: a
// pass copies everything committed before it began, and the log keeps its length until it is
// reused, so a request per commit would wake the thread (and take its mutex) for a few pages
// each time. The check on a commit is one atomic load.
//
// Durability is unchanged (synchronous=NORMAL in WAL mode syncs at checkpoints, wherever they
// run), and a passive checkpoint never waits for, nor blocks, readers or writers.
//
// Thread safety: OnCommit runs on any thread (inside SQLite's commit); the destructor stops the
// thread. Closing the last connection to the file still checkpoints it, as SQLite always does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace gatehouse::store::sqlite {

class Checkpointer {
 public:
  // Checkpoints the database file at `path` in the background once its log reaches `pages`
  // (SQLite's own default mark), and inline at `cap_pages`.
  explicit Checkpointer(std::string path, int pages = 1000, int cap_pages = 4000);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Makes `db` (a connection to the same file) report its commits here instead of
  // checkpointing them itself.
  void Watch(sqlite3* db);

  // Background passes run so far (for tests).
  int passes() const { return passes_.load(std::memory_order_relaxed); }

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int log_pages);
  void Run();

  const std::string path_;
  const int pages_;
  const int cap_pages_;
  // The log's size at which a commit next asks the thread for a pass: `pages_` while the log is
  // short, then `pages_` past the size at the last request.
  std::atomic<int> next_request_;
  std::atomic<int> passes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;   // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace gatehouse::store::sqlite
