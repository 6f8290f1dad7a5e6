// A numbered schema migration embedded in the binary (see cmake/EmbedMigrations.cmake).
// Migrations are append-only: a released file is never edited; a change is a new number.
#pragma once

#include <string_view>
#include <vector>

namespace gatehouse::store {

struct Migration {
  int version;             // from the file name: 0001_init.sql -> 1
  std::string_view name;   // the file name
  std::string_view sql;    // the statements, applied in one transaction
};

}  // namespace gatehouse::store
