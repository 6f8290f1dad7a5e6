// The SQLite schema migrations, embedded at build time from src/store/migrations/sqlite/*.sql
// by cmake/EmbedMigrations.cmake (the definition is generated: sqlite_migrations.cc in the build
// tree). Ordered by version as listed in src/store/CMakeLists.txt.
#pragma once

#include <vector>

#include "store/migration.h"

namespace gatehouse::store::sqlite {

const std::vector<::gatehouse::store::Migration>& Migrations();

}  // namespace gatehouse::store::sqlite
