// The data directory: where a single-node deployment keeps its store and master key.
//
//   DIR/gatehouse.db   the SQLite store (unless --store names another)
//   DIR/master.key     the master key, base64, mode 0600 (unless GATEHOUSE_MASTER_KEY is set)
//
// The master key (32 random bytes) encrypts signing keys at rest. Several nodes must share it:
// give each the same GATEHOUSE_MASTER_KEY.
#pragma once

#include <memory>
#include <string>

#include "common/random.h"
#include "common/status.h"
#include "store/store.h"

namespace gatehouse::app {

std::string DefaultStoreUri(const std::string& data_dir);

// Creates DIR (mode 0700) if missing. kInvalidArgument when it exists and is not a directory.
Status CreateDataDir(const std::string& data_dir);

// kNotFound with a message telling the operator to run `gatehouse init` when DIR is missing.
Status RequireDataDir(const std::string& data_dir);

// The master key from GATEHOUSE_MASTER_KEY (base64 or base64url of 32 bytes) or DIR/master.key.
// With `create`, a missing key file is created from `random` (O_EXCL, mode 0600). A key file
// readable by group or others is refused.
Result<std::string> LoadMasterKey(const std::string& data_dir, bool create, Random& random);

// Opens the store named by `store_uri`, or DIR/gatehouse.db when empty, turning store errors
// into messages an operator can act on.
Result<std::unique_ptr<store::Store>> OpenDataStore(const std::string& data_dir, const std::string& store_uri,
                                                    bool create);

// The store of an existing deployment: OpenDataStore without creating anything, after
// RequireDataDir when the store lives in DIR.
Result<std::unique_ptr<store::Store>> OpenExistingStore(const std::string& data_dir, const std::string& store_uri);

}  // namespace gatehouse::app
