// gatehouse-example-webapp: the Gatehouse C++ SDK's example application (README.md).
// Reads its configuration from flags or the environment, then serves until it is stopped.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "app.h"
#include "server.h"

namespace {

constexpr std::string_view kUsage = R"(Usage: gatehouse-example-webapp [OPTIONS]

A small web application that signs people in with Gatehouse through the Gatehouse C++ SDK.
Each option can also come from the environment variable named after it; the flag wins.

Options:
  --port N               Port to listen on, on 127.0.0.1 (default 3000).
  --gatehouse-url URL    Gatehouse's environment URL, exactly its issuer, e.g. http://localhost:8080
                         (env GATEHOUSE_URL). Required.
  --client-id ID         This application's client id, from `gatehouse client create`
                         (env GATEHOUSE_CLIENT_ID). Required.
  --client-secret S      Its client secret (env GATEHOUSE_CLIENT_SECRET). Required. Prefer the
                         environment variable: other users of this machine can see arguments.
  --public-url URL       Where browsers reach this application (default http://localhost:PORT).
                         {URL}/callback must be registered as a redirect URI of the client and
                         {URL}/ as a post-logout redirect URI.
  --help                 Show this help.
)";

struct Flag {
  std::string_view name;
  const char* env;  // nullptr: flag only
  std::optional<std::string> value;
};

int UsageError(std::string_view message) {
  std::cerr << "gatehouse-example-webapp: " << message << "\nRun with --help for the options.\n";
  return 2;
}

bool IsHttpUrl(std::string_view url) {
  return (url.starts_with("http://") && url.size() > 7) || (url.starts_with("https://") && url.size() > 8);
}

std::string WithoutTrailingSlashes(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace

int main(int argc, char** argv) {
  Flag flags[] = {{"--port", nullptr, {}},
                  {"--gatehouse-url", "GATEHOUSE_URL", {}},
                  {"--client-id", "GATEHOUSE_CLIENT_ID", {}},
                  {"--client-secret", "GATEHOUSE_CLIENT_SECRET", {}},
                  {"--public-url", nullptr, {}}};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    Flag* match = nullptr;
    std::optional<std::string> value;
    for (Flag& flag : flags) {
      if (arg == flag.name) {
        match = &flag;
        if (i + 1 >= argc) return UsageError(std::string(arg) + " needs a value");
        value = argv[++i];
      } else if (arg.starts_with(flag.name) && arg.size() > flag.name.size() && arg[flag.name.size()] == '=') {
        match = &flag;
        value = std::string(arg.substr(flag.name.size() + 1));
      }
      if (match) break;
    }
    if (!match) return UsageError("unknown argument " + std::string(arg));
    match->value = std::move(value);
  }
  for (Flag& flag : flags) {
    if (flag.value || !flag.env) continue;
    if (const char* env = std::getenv(flag.env); env && *env) flag.value = env;
  }

  webapp::Config config;
  if (flags[0].value) {
    const std::string& text = *flags[0].value;
    char* end = nullptr;
    long port = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || port < 1 || port > 65535) return UsageError("--port must be 1 to 65535");
    config.port = static_cast<std::uint16_t>(port);
  }
  for (int i = 1; i <= 3; ++i) {
    if (!flags[i].value || flags[i].value->empty()) {
      return UsageError("missing " + std::string(flags[i].name) + " (or the environment variable " + flags[i].env +
                        ")");
    }
  }
  config.gatehouse_url = WithoutTrailingSlashes(*flags[1].value);
  config.client_id = *flags[2].value;
  config.client_secret = *flags[3].value;
  std::string default_public_url = "http://localhost:" + std::to_string(config.port);
  config.public_url = WithoutTrailingSlashes(flags[4].value.value_or(default_public_url));
  if (!IsHttpUrl(config.gatehouse_url)) return UsageError("--gatehouse-url must be an http:// or https:// URL");
  if (!IsHttpUrl(config.public_url)) return UsageError("--public-url must be an http:// or https:// URL");

  webapp::App app(config);
  auto on_listening = [&config] {
    // The secret is never printed; the rest helps check the client's registration.
    std::cerr << "webapp: listening on http://127.0.0.1:" << config.port << "; public URL " << config.public_url
              << " (callback " << config.public_url << "/callback); Gatehouse at " << config.gatehouse_url
              << ", client " << config.client_id << std::endl;
  };
  std::string error;
  webapp::Serve(config.port, [&app](const webapp::Request& request) { return app.Handle(request); }, on_listening,
                &error);
  std::cerr << "gatehouse-example-webapp: " << error << "\n";
  return 1;
}
