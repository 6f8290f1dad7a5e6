// Identifiers. Every object Gatehouse stores has an id with a Scalekit-style prefix that names
// its kind (`skc_` clients, `org_` organizations, `usr_` users, `conn_` connections, `dom_`
// domains, `ses_` sessions, `key_` signing keys ...), followed by 20 characters of lowercase
// base32 (100 random bits). Ids are public identifiers, not secrets.
#pragma once

#include <string>
#include <string_view>

#include "common/random.h"

namespace gatehouse {

namespace id_prefix {
inline constexpr std::string_view kClient = "skc";
inline constexpr std::string_view kOrganization = "org";
inline constexpr std::string_view kUser = "usr";
inline constexpr std::string_view kConnection = "conn";
inline constexpr std::string_view kDomain = "dom";
inline constexpr std::string_view kSession = "ses";
inline constexpr std::string_view kToken = "tkn";
inline constexpr std::string_view kGrant = "gnt";
}  // namespace id_prefix

// "<prefix>_<20 base32 chars>".
std::string NewId(Random& random, std::string_view prefix);

// True when `id` is "<prefix>_" followed by 1..64 characters of [a-z0-9]. Used to reject
// malformed ids before they reach the store.
bool IsWellFormedId(std::string_view id, std::string_view prefix);

}  // namespace gatehouse
