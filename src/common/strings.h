// Small string helpers that several layers need, in one place. ASCII only, locale-free: what
// protocol text (schemes, hosts, email domains, header values) calls for.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse {

// `s` with A-Z turned into a-z; every other byte (UTF-8 included) unchanged.
std::string AsciiLower(std::string_view s);

// `s` without leading and trailing spaces and tabs.
std::string_view TrimBlanks(std::string_view s);

}  // namespace gatehouse
