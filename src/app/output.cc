#include "app/output.h"

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <string>

namespace gatehouse::app {

void PrintJson(const boost::json::value& v) {
  std::string s = boost::json::serialize(v);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

int Fail(std::string_view message) {
  std::string line = "gatehouse: ";
  line += message;
  // One line, always: a multi-line driver message would break log scrapers and scripts.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  return 1;
}

int Fail(const Status& status) { return Fail(status.message()); }

}  // namespace gatehouse::app
