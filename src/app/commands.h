// The CLI's commands as plain functions from options to an exit code, so that cli.cc (the only
// file that includes CLI11) stays a table of flags. Each command prints its result as one JSON
// document on stdout and any error as one line on stderr:
//   0 success, 1 the command failed (the message says why), 2 usage error (cli.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gatehouse::app {

struct CommonOptions {
  std::string data_dir;
  std::string store_uri;  // empty: DIR/gatehouse.db
};

struct InitOptions {
  CommonOptions common;
  std::string issuer;
  std::string client_name = "My application";
  std::vector<std::string> redirect_uris;
  std::string signing_alg = "RS256";
};
int RunInit(const InitOptions& options);

struct ServeOptions {
  CommonOptions common;
  std::string listen = "127.0.0.1:8080";
  std::string issuer;  // empty: the issuer recorded by init
  int threads = 0;     // 0: one per core
  std::string tls_cert;
  std::string tls_key;
  std::string signing_alg = "RS256";
  std::string key_rotation_period = "0";  // duration ("90d", "12h", "0" = manual)
  std::string key_retention = "25h";
  std::string key_refresh_interval = "10s";
  std::string log_level = "info";
  std::string log_format = "json";
  bool access_log = true;
  int max_connections = 10000;
  std::string request_timeout = "10s";
  std::string idle_timeout = "60s";
  // Email (passwordless sign-in).
  std::string smtp;  // smtp://HOST:PORT, smtps://HOST:PORT, "log" (print to stdout), or empty: no email
  std::string smtp_from = "Gatehouse <no-reply@localhost>";
  std::string smtp_username;
  std::string smtp_password;
  std::string smtp_starttls = "auto";
  std::string smtp_ca_file;
  std::string passwordless_type = "LINK_OTP";
  std::string session_idle_timeout = "24h";
  std::string session_lifetime = "7d";
  int rate_limit_email = 5;
  int rate_limit_ip = 30;
  int rate_limit_verify_ip = 30;
  // Tokens.
  std::string access_token_lifetime = "5m";
  std::string id_token_lifetime = "1h";
  std::string refresh_token_lifetime = "30d";
  std::string client_credentials_token_lifetime = "1h";
  std::string refresh_reuse_grace = "10s";
  std::string backchannel_ca_file;  // extra CA for back-channel logout URIs (PEM)
  std::string upstream_timeout = "10s";  // each call to an upstream IdP (discovery, token, JWKS ...)
  std::string upstream_ca_file;          // extra CA for upstream IdPs (PEM)
};
int RunServe(const ServeOptions& options);

struct ClientCreateOptions {
  CommonOptions common;
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  std::vector<std::string> scopes;     // client_credentials scopes (RFC 6749 §3.3 scope-tokens)
  std::string organization_id;         // an organization's machine client; must exist
  std::string backchannel_logout_uri;  // https, or http on a loopback host
};
int RunClientCreate(const ClientCreateOptions& options);
int RunClientList(const CommonOptions& options);
int RunClientGet(const CommonOptions& options, const std::string& client_id);
int RunClientDelete(const CommonOptions& options, const std::string& client_id);

enum class UriList { kRedirect, kPostLogout };
int RunClientEditUri(const CommonOptions& options, const std::string& client_id, const std::string& uri,
                     UriList list, bool add);

struct KeysOptions {
  CommonOptions common;
  std::string signing_alg = "RS256";
  std::string key_retention = "25h";
};
int RunKeysList(const KeysOptions& options);
int RunKeysRotate(const KeysOptions& options);

// "90d", "12h", "30m", "45s", "250ms" or a bare number of seconds -> milliseconds; -1 if malformed.
std::int64_t ParseDurationMs(const std::string& text);

}  // namespace gatehouse::app
