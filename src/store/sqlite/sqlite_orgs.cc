// SqliteStore: organizations, domains and connections (schema: migrations/sqlite/0002_organizations.sql).
// Kept apart from sqlite_store.cc so that neither file grows past a readable size; the
// plumbing (pool, transactions, error mapping) is shared through connection_pool.h.
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <string>
#include <utility>

#include "store/sqlite/connection_pool.h"
#include "store/sqlite/sqlite_store.h"

namespace gatehouse::store::sqlite {

namespace {

// The optional text columns (external_id, organization_id): "" is stored as NULL, so that a
// unique index ignores unset values and `IS NULL` finds the environment-wide connections.
void BindOptionalText(SQLite::Statement& stmt, int index, std::string_view value) {
  if (value.empty()) {
    stmt.bind(index);  // NULL
  } else {
    BindText(stmt, index, value);
  }
}

bool OrganizationExists(SQLite::Database& db, std::string_view id) {
  SQLite::Statement& stmt = Prepare(db, "SELECT 1 FROM organizations WHERE id = ?1");
  BindText(stmt, 1, id);
  return stmt.executeStep();
}

Status NoOrganization(std::string_view id) {
  return NotFoundError("organization " + std::string(id) + " does not exist");
}

// ---- Organizations --------------------------------------------------------------------------

constexpr const char* kSelectOrganizations =
    "SELECT id, display_name, external_id, created_at, updated_at FROM organizations ";

Organization ReadOrganization(SQLite::Statement& stmt) {
  Organization o;
  o.id = ColumnBytes(stmt.getColumn(0));
  o.display_name = ColumnBytes(stmt.getColumn(1));
  o.external_id = ColumnBytes(stmt.getColumn(2));
  o.created_at = stmt.getColumn(3).getInt64();
  o.updated_at = stmt.getColumn(4).getInt64();
  return o;
}

// ---- Domains --------------------------------------------------------------------------------

constexpr const char* kSelectDomains = "SELECT id, organization_id, domain, created_at FROM domains ";

Domain ReadDomain(SQLite::Statement& stmt) {
  Domain d;
  d.id = ColumnBytes(stmt.getColumn(0));
  d.organization_id = ColumnBytes(stmt.getColumn(1));
  d.domain = ColumnBytes(stmt.getColumn(2));
  d.created_at = stmt.getColumn(3).getInt64();
  return d;
}

// ---- Connections ----------------------------------------------------------------------------

constexpr const char* kSelectConnections =
    "SELECT id, organization_id, type, provider, display_name, enabled, settings_json, created_at, "
    "updated_at FROM connections ";

Result<std::vector<Connection>> ReadConnections(SQLite::Statement& stmt) {
  std::vector<Connection> out;
  while (stmt.executeStep()) {
    Connection c;
    c.id = ColumnBytes(stmt.getColumn(0));
    c.organization_id = ColumnBytes(stmt.getColumn(1));
    const int type = stmt.getColumn(2).getInt();
    switch (static_cast<ConnectionType>(type)) {
      case ConnectionType::kOidc:
      case ConnectionType::kSaml:
      case ConnectionType::kOAuth:
      case ConnectionType::kPasswordless:
        c.type = static_cast<ConnectionType>(type);
        break;
      default:
        return DataLossError("sqlite: connection " + c.id + " has unknown type " + std::to_string(type));
    }
    c.provider = ColumnBytes(stmt.getColumn(3));
    c.display_name = ColumnBytes(stmt.getColumn(4));
    c.enabled = stmt.getColumn(5).getInt() != 0;
    c.settings_json = ColumnBytes(stmt.getColumn(6));
    c.created_at = stmt.getColumn(7).getInt64();
    c.updated_at = stmt.getColumn(8).getInt64();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

// ---- Organizations --------------------------------------------------------------------------

Status SqliteStore::CreateOrganization(const Organization& org) {
  return RunWrite(*pool_, "create organization " + org.id, [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db,
                           "INSERT INTO organizations (id, display_name, external_id, created_at, updated_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)");
    BindText(stmt, 1, org.id);
    BindText(stmt, 2, org.display_name);
    BindOptionalText(stmt, 3, org.external_id);
    stmt.bind(4, static_cast<std::int64_t>(org.created_at));
    stmt.bind(5, static_cast<std::int64_t>(org.updated_at));
    stmt.exec();  // a taken id or external_id: SQLITE_CONSTRAINT_{PRIMARYKEY,UNIQUE} -> kAlreadyExists
    return Status::Ok();
  });
}

Result<Organization> SqliteStore::GetOrganization(std::string_view id) {
  return RunRead(*pool_, "get organization " + std::string(id),
                 [&](SQLite::Database& db) -> Result<Organization> {
                   SQLite::Statement& stmt = Prepare(db, std::string(kSelectOrganizations) + "WHERE id = ?1");
                   BindText(stmt, 1, id);
                   if (!stmt.executeStep()) return NoOrganization(id);
                   return ReadOrganization(stmt);
                 });
}

Result<std::vector<Organization>> SqliteStore::ListOrganizations() {
  return RunRead(*pool_, "list organizations", [&](SQLite::Database& db) -> Result<std::vector<Organization>> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectOrganizations) + "ORDER BY created_at, id");
    std::vector<Organization> out;
    while (stmt.executeStep()) out.push_back(ReadOrganization(stmt));
    return out;
  });
}

Status SqliteStore::DeleteOrganization(std::string_view id) {
  return RunWrite(*pool_, "delete organization " + std::string(id), [&](SQLite::Database& db) -> Status {
    // Domains and connections go by ON DELETE CASCADE, in this one statement.
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM organizations WHERE id = ?1");
    BindText(stmt, 1, id);
    if (stmt.exec() == 0) return NoOrganization(id);
    return Status::Ok();
  });
}

// ---- Domains --------------------------------------------------------------------------------

Status SqliteStore::CreateDomain(const Domain& domain) {
  return RunWrite(*pool_, "create domain " + domain.domain, [&](SQLite::Database& db) -> Status {
    // Checked here rather than left to the foreign key, which would fail as a constraint
    // (kInvalidArgument) instead of kNotFound.
    if (!OrganizationExists(db, domain.organization_id)) return NoOrganization(domain.organization_id);
    SQLite::Statement& stmt = Prepare(
        db, "INSERT INTO domains (id, organization_id, domain, created_at) VALUES (?1, ?2, ?3, ?4)");
    BindText(stmt, 1, domain.id);
    BindText(stmt, 2, domain.organization_id);
    BindText(stmt, 3, domain.domain);
    stmt.bind(4, static_cast<std::int64_t>(domain.created_at));
    stmt.exec();  // a claimed domain or taken id -> kAlreadyExists
    return Status::Ok();
  });
}

Result<std::vector<Domain>> SqliteStore::ListDomains(std::string_view organization_id) {
  return RunRead(*pool_, "list domains of " + std::string(organization_id),
                 [&](SQLite::Database& db) -> Result<std::vector<Domain>> {
                   SQLite::Statement& stmt = Prepare(
                       db, std::string(kSelectDomains) + "WHERE organization_id = ?1 ORDER BY created_at, id");
                   BindText(stmt, 1, organization_id);
                   std::vector<Domain> out;
                   while (stmt.executeStep()) out.push_back(ReadDomain(stmt));
                   return out;
                 });
}

Result<Domain> SqliteStore::FindDomain(std::string_view domain) {
  return RunRead(*pool_, "find domain " + std::string(domain), [&](SQLite::Database& db) -> Result<Domain> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectDomains) + "WHERE domain = ?1");  // exact, BINARY
    BindText(stmt, 1, domain);
    if (!stmt.executeStep()) return NotFoundError("domain " + std::string(domain) + " is not claimed");
    return ReadDomain(stmt);
  });
}

Status SqliteStore::DeleteDomain(std::string_view id) {
  return RunWrite(*pool_, "delete domain " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM domains WHERE id = ?1");
    BindText(stmt, 1, id);
    if (stmt.exec() == 0) return NotFoundError("domain " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

// ---- Connections ----------------------------------------------------------------------------

Status SqliteStore::CreateConnection(const Connection& connection) {
  return RunWrite(*pool_, "create connection " + connection.id, [&](SQLite::Database& db) -> Status {
    if (!connection.organization_id.empty() && !OrganizationExists(db, connection.organization_id)) {
      return NoOrganization(connection.organization_id);
    }
    SQLite::Statement& stmt = Prepare(db,
                           "INSERT INTO connections (id, organization_id, type, provider, display_name, enabled, "
                           "settings_json, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    BindText(stmt, 1, connection.id);
    BindOptionalText(stmt, 2, connection.organization_id);
    stmt.bind(3, static_cast<int>(connection.type));
    BindText(stmt, 4, connection.provider);
    BindText(stmt, 5, connection.display_name);
    stmt.bind(6, connection.enabled ? 1 : 0);
    BindText(stmt, 7, connection.settings_json);
    stmt.bind(8, static_cast<std::int64_t>(connection.created_at));
    stmt.bind(9, static_cast<std::int64_t>(connection.updated_at));
    stmt.exec();
    return Status::Ok();
  });
}

Result<Connection> SqliteStore::GetConnection(std::string_view id) {
  return RunRead(*pool_, "get connection " + std::string(id), [&](SQLite::Database& db) -> Result<Connection> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectConnections) + "WHERE id = ?1");
    BindText(stmt, 1, id);
    ASSIGN_OR_RETURN(std::vector<Connection> found, ReadConnections(stmt));
    if (found.empty()) return NotFoundError("connection " + std::string(id) + " does not exist");
    return std::move(found.front());
  });
}

Result<std::vector<Connection>> SqliteStore::ListConnections(std::string_view organization_id) {
  return RunRead(*pool_, "list connections of '" + std::string(organization_id) + "'",
                 [&](SQLite::Database& db) -> Result<std::vector<Connection>> {
                   if (organization_id.empty()) {
                     SQLite::Statement& stmt = Prepare(
                         db, std::string(kSelectConnections) + "WHERE organization_id IS NULL ORDER BY created_at, id");
                     return ReadConnections(stmt);
                   }
                   SQLite::Statement& stmt = Prepare(
                       db, std::string(kSelectConnections) + "WHERE organization_id = ?1 ORDER BY created_at, id");
                   BindText(stmt, 1, organization_id);
                   return ReadConnections(stmt);
                 });
}

Result<std::vector<Connection>> SqliteStore::ListAllConnections() {
  return RunRead(*pool_, "list all connections", [&](SQLite::Database& db) -> Result<std::vector<Connection>> {
    SQLite::Statement& stmt = Prepare(db, std::string(kSelectConnections) + "ORDER BY created_at, id");
    return ReadConnections(stmt);
  });
}

Status SqliteStore::SetConnectionEnabled(std::string_view id, bool enabled, UnixSeconds now) {
  return RunWrite(*pool_, "set connection enabled " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "UPDATE connections SET enabled = ?2, updated_at = ?3 WHERE id = ?1");
    BindText(stmt, 1, id);
    stmt.bind(2, enabled ? 1 : 0);
    stmt.bind(3, static_cast<std::int64_t>(now));
    // SQLite counts matched rows, changed or not: setting the current value is still found.
    if (stmt.exec() == 0) return NotFoundError("connection " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

Status SqliteStore::SetConnectionSettings(std::string_view id, std::string_view settings_json, UnixSeconds now) {
  return RunWrite(*pool_, "set connection settings " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "UPDATE connections SET settings_json = ?2, updated_at = ?3 WHERE id = ?1");
    BindText(stmt, 1, id);
    BindText(stmt, 2, settings_json);
    stmt.bind(3, static_cast<std::int64_t>(now));
    if (stmt.exec() == 0) return NotFoundError("connection " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

Status SqliteStore::DeleteConnection(std::string_view id) {
  return RunWrite(*pool_, "delete connection " + std::string(id), [&](SQLite::Database& db) -> Status {
    SQLite::Statement& stmt = Prepare(db, "DELETE FROM connections WHERE id = ?1");
    BindText(stmt, 1, id);
    if (stmt.exec() == 0) return NotFoundError("connection " + std::string(id) + " does not exist");
    return Status::Ok();
  });
}

}  // namespace gatehouse::store::sqlite
