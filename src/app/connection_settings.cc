// `gatehouse connection configure` and the settings flags of `connection create`: the upstream
// IdP's configuration, validated by its connector and stored with the client secret sealed under
// the master key (login/sso_config.h).
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "app/data_dir.h"
#include "app/org_commands.h"
#include "app/output.h"
#include "common/clock.h"
#include "connectors/http/client.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "login/sso_config.h"

namespace gatehouse::app {
namespace {

constexpr std::size_t kMaxFile = 1 << 20;  // metadata documents and settings files

// The content of FILE ("-": standard input), at most 1 MiB.
Result<std::string> ReadAll(const std::string& path, std::string_view what) {
  std::string out;
  if (path == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return InvalidArgumentError(std::string(what) + ": cannot read " + path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
  }
  if (out.size() > kMaxFile) return InvalidArgumentError(std::string(what) + ": larger than 1 MiB");
  return out;
}

std::string TrimNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> StoredSettingsFromOptions(const CommonOptions& common, const store::Connection& connection,
                                              const ConnectionSettingsOptions& o) {
  if (connection.type == store::ConnectionType::kPasswordless) {
    return InvalidArgumentError("a passwordless connection has no identity provider to configure");
  }
  std::string text = o.settings.empty() ? std::string("{}") : o.settings;
  if (text.starts_with('@')) {
    ASSIGN_OR_RETURN(text, ReadAll(text.substr(1), "--settings"));
  }
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return InvalidArgumentError("--settings must be a JSON object");
  boost::json::object& settings = parsed.as_object();
  if (!o.idp_metadata_file.empty() || !o.idp_metadata_url.empty()) {
    if (connection.type != store::ConnectionType::kSaml) {
      return InvalidArgumentError("--idp-metadata-file and --idp-metadata-url apply to saml connections only");
    }
    if (!o.idp_metadata_file.empty() && !o.idp_metadata_url.empty()) {
      return InvalidArgumentError("give --idp-metadata-file or --idp-metadata-url, not both");
    }
    std::string xml;
    if (!o.idp_metadata_file.empty()) {
      ASSIGN_OR_RETURN(xml, ReadAll(o.idp_metadata_file, "--idp-metadata-file"));
    } else {
      connectors::http::HttpClient http(connectors::http::ClientOptions{});
      auto response = http.Get(o.idp_metadata_url);
      if (!response.ok()) return InvalidArgumentError("--idp-metadata-url: " + response.error().message());
      if (response->status != 200) {
        return InvalidArgumentError("--idp-metadata-url: the server answered HTTP " + std::to_string(response->status));
      }
      xml = std::move(response->body);
    }
    settings["idp_metadata_xml"] = xml;
  }
  std::optional<std::string> secret;
  if (!o.client_secret_file.empty()) {
    ASSIGN_OR_RETURN(std::string read, ReadAll(o.client_secret_file, "--client-secret-file"));
    secret = TrimNewlines(std::move(read));
  }
  auto& random = crypto::SystemRandom::Instance();
  ASSIGN_OR_RETURN(std::string master, LoadMasterKey(common.data_dir, /*create=*/false, random));
  return login::MakeStoredSettings(connection, boost::json::serialize(settings), secret,
                                   crypto::DeriveKey(master, login::kConnectionSecretsPurpose), random);
}

int RunConnectionConfigure(const CommonOptions& o, const std::string& connection_id,
                           const ConnectionSettingsOptions& settings) {
  auto store = OpenExistingStore(o.data_dir, o.store_uri);
  if (!store.ok()) return Fail(store.error());
  auto connection = (*store)->GetConnection(connection_id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return Fail("no connection " + connection_id);
    return Fail(connection.error());
  }
  auto stored = StoredSettingsFromOptions(o, *connection, settings);
  if (!stored.ok()) return Fail(stored.error());
  if (Status s = (*store)->SetConnectionSettings(connection_id, *stored, SystemClock::Instance().NowSeconds()); !s.ok()) {
    return Fail(s);
  }
  PrintJson(boost::json::object{{"id", connection_id}, {"configured", true}});
  return 0;
}

}  // namespace gatehouse::app
