// OpenStore: picks the backend from the URI scheme (store.h).
#include <memory>
#include <string>
#include <string_view>

#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace gatehouse::store {

Result<std::unique_ptr<Store>> OpenStore(std::string_view uri, const OpenOptions& options) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (uri.starts_with(kSqlite)) {
    const std::string_view path = uri.substr(kSqlite.size());
    if (path.empty()) {
      return InvalidArgumentError("store URI \"sqlite:\" names no file; use sqlite:PATH or sqlite::memory:");
    }
    // "sqlite::memory:" is SqliteStore::kMemoryPath: a private in-memory database.
    ASSIGN_OR_RETURN(std::unique_ptr<sqlite::SqliteStore> store, sqlite::SqliteStore::Open(path, options));
    return std::unique_ptr<Store>(std::move(store));
  }
  if (uri.starts_with("postgres://") || uri.starts_with("postgresql://")) {
    return FailedPreconditionError("PostgreSQL store is not supported yet; use sqlite:PATH");
  }
  // Name only the scheme: the rest of a mistyped URI may hold a password.
  const std::size_t colon = uri.find(':');
  const std::string what = colon == std::string_view::npos
                               ? "store URI has no scheme"
                               : "unknown store URI scheme \"" + std::string(uri.substr(0, colon)) + "\"";
  return InvalidArgumentError(what + "; expected sqlite:PATH, sqlite::memory: or postgres://...");
}

}  // namespace gatehouse::store
