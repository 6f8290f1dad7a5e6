// Helpers shared by the commands: JSON to stdout, one-line errors to stderr.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "common/status.h"

namespace gatehouse::app {

void PrintJson(const boost::json::value& v);
// "gatehouse: <message>" on stderr; returns 1 (the failure exit code).
int Fail(std::string_view message);
int Fail(const Status& status);

}  // namespace gatehouse::app
