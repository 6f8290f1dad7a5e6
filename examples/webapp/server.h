// A minimal HTTP/1.1 server for the example application: it parses each request into a Request,
// asks the handler for a Response and writes it. Loopback only, small requests only: this is
// what a real application gets from its web framework, kept out of app.cc so the sign-in code
// reads on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace webapp {

struct Request {
  std::string method;                         // GET, POST ...
  std::string path;                           // the target without its query, percent-decoded
  std::map<std::string, std::string> query;   // the first value of each name wins
  std::map<std::string, std::string> cookies;
  std::map<std::string, std::string> form;    // an application/x-www-form-urlencoded POST body
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Set-Cookie may repeat
  std::string body;
};

// Called from many threads at once.
using Handler = std::function<Response(const Request&)>;

// Listens on 127.0.0.1:port, calls on_listening once it does, and serves until the process
// ends; one line per request on stderr (method, path, status). Returns only if the port cannot
// be bound (with the reason in *error).
bool Serve(std::uint16_t port, const Handler& handler, const std::function<void()>& on_listening, std::string* error);

}  // namespace webapp
