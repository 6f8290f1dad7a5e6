// Row readers shared between the SqliteStore files (sqlite_auth.cc defines them). Internal to
// src/store/sqlite.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/store.h"

namespace gatehouse::store::sqlite {

// "SELECT <every authorization_codes column> FROM authorization_codes ", in ReadCode's order;
// the caller appends the WHERE.
extern const char* const kSelectCodes;
AuthorizationCode ReadCode(SQLite::Statement& stmt);

}  // namespace gatehouse::store::sqlite
