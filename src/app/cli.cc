// The command line: flags, environment variables and help texts. The only file that includes
// CLI11 (it costs ~10 s of compile time per file: stack-notes pitfall 8).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/commands.h"
#include "app/org_commands.h"

namespace gatehouse::app {
namespace {

// Every flag can also come from GATEHOUSE_<FLAG> (upper case, '-' -> '_'); the flag wins.
std::string Env(std::string flag) {
  std::string out = "GATEHOUSE_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void AddCommon(CLI::App* cmd, CommonOptions& o, bool data_required = true) {
  auto* data = cmd->add_option("--data", o.data_dir, "Data directory (store and master key)")->envname(Env("data"));
  cmd->add_option("--store", o.store_uri, "Store URI: sqlite:PATH (default: DIR/gatehouse.db) or postgres://...")
      ->envname(Env("store"));
  if (data_required) data->required();
}

void AddConnectionSettings(CLI::App* cmd, ConnectionSettingsOptions& o) {
  cmd->add_option("--settings", o.settings,
                  "The identity provider's configuration: a JSON object, or @FILE (see the README: oidc needs "
                  "issuer and client_id, oauth client_id, saml the IdP metadata)");
  cmd->add_option("--client-secret-file", o.client_secret_file,
                  "File holding the upstream client secret (- for standard input); stored encrypted");
  auto* file = cmd->add_option("--idp-metadata-file", o.idp_metadata_file, "saml: the IdP's metadata XML");
  auto* url = cmd->add_option("--idp-metadata-url", o.idp_metadata_url, "saml: fetch the IdP's metadata from this URL now");
  file->excludes(url);
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "Gatehouse: a self-hosted authorization server (OAuth 2.0 / OpenID Connect) that speaks Scalekit's wire "
      "protocol.\n\nStart here:\n  gatehouse init  --data ./data --issuer http://localhost:8080\n  gatehouse serve "
      "--data ./data\n",
      "gatehouse"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gatehouse 0.1.0");

  // init
  InitOptions init;
  auto* init_cmd = app.add_subcommand("init", "Create the data directory, store, master key, first signing key and "
                                              "first application client (prints them as JSON). Idempotent.");
  AddCommon(init_cmd, init.common);
  init_cmd->add_option("--issuer", init.issuer, "The environment URL: https://auth.example.com (no trailing slash)")
      ->required()
      ->envname(Env("issuer"));
  init_cmd->add_option("--client-name", init.client_name, "Name of the first client")->capture_default_str();
  init_cmd->add_option("--redirect-uri", init.redirect_uris, "Callback URL of the first client (repeatable)");
  init_cmd->add_option("--signing-alg", init.signing_alg, "RS256 or ES256")->envname(Env("signing-alg"))->capture_default_str();

  // serve
  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server");
  AddCommon(serve_cmd, serve.common);
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on")->envname(Env("listen"))->capture_default_str();
  serve_cmd->add_option("--issuer", serve.issuer, "Environment URL (default: the one recorded by init)")->envname(Env("issuer"));
  serve_cmd->add_option("--threads", serve.threads, "I/O threads (0: one per core)")->envname(Env("threads"))->capture_default_str();
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain: serve TLS on the same port")->envname(Env("tls-cert"));
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key for --tls-cert")->envname(Env("tls-key"));
  serve_cmd->add_option("--signing-alg", serve.signing_alg, "RS256 or ES256")->envname(Env("signing-alg"))->capture_default_str();
  serve_cmd->add_option("--key-rotation-period", serve.key_rotation_period,
                        "Rotate the signing key when it is this old (90d, 12h; 0: only by 'keys rotate')")
      ->envname(Env("key-rotation-period"))->capture_default_str();
  serve_cmd->add_option("--key-retention", serve.key_retention,
                        "How long a retired key stays in the JWKS (longer than any token lives)")
      ->envname(Env("key-retention"))->capture_default_str();
  serve_cmd->add_option("--key-refresh-interval", serve.key_refresh_interval,
                        "How often to reload keys from the store (rotations by other processes)")
      ->envname(Env("key-refresh-interval"))->capture_default_str();
  serve_cmd->add_option("--log-level", serve.log_level, "debug, info, warn, error or off")->envname(Env("log-level"))->capture_default_str();
  serve_cmd->add_option("--log-format", serve.log_format, "json or text")->envname(Env("log-format"))->capture_default_str();
  serve_cmd->add_option("--access-log", serve.access_log, "Log every request (true/false)")->envname(Env("access-log"))->capture_default_str();
  serve_cmd->add_option("--max-connections", serve.max_connections, "Open connections allowed at once")
      ->envname(Env("max-connections"))->capture_default_str();
  serve_cmd->add_option("--request-timeout", serve.request_timeout, "Time allowed to send a whole request")
      ->envname(Env("request-timeout"))->capture_default_str();
  serve_cmd->add_option("--idle-timeout", serve.idle_timeout, "Time a kept-alive connection may stay idle")
      ->envname(Env("idle-timeout"))->capture_default_str();
  serve_cmd->add_option("--smtp", serve.smtp,
                        "Mail server for sign-in emails: smtp://HOST:PORT (STARTTLS), smtps://HOST:PORT, or 'log' to "
                        "print them to the console (development only). Unset: no email sign-in")
      ->envname(Env("smtp"));
  serve_cmd->add_option("--smtp-from", serve.smtp_from, "Sender of sign-in emails: addr or 'Name <addr>'")
      ->envname(Env("smtp-from"))->capture_default_str();
  serve_cmd->add_option("--smtp-username", serve.smtp_username, "SMTP AUTH user name")->envname(Env("smtp-username"));
  serve_cmd->add_option("--smtp-password", serve.smtp_password,
                        "SMTP AUTH password (prefer the environment variable: arguments are visible to other users)")
      ->envname(Env("smtp-password"));
  serve_cmd->add_option("--smtp-starttls", serve.smtp_starttls,
                        "auto (required except on loopback), always or never")
      ->envname(Env("smtp-starttls"))->capture_default_str();
  serve_cmd->add_option("--smtp-ca-file", serve.smtp_ca_file, "PEM CA bundle for the mail server's certificate")
      ->envname(Env("smtp-ca-file"));
  serve_cmd->add_option("--passwordless-type", serve.passwordless_type,
                        "What sign-in emails hold: LINK_OTP (a link and a code), OTP (a code) or LINK (a link)")
      ->envname(Env("passwordless-type"))->capture_default_str();
  serve_cmd->add_option("--session-idle-timeout", serve.session_idle_timeout,
                        "A browser session ends after this long unused")
      ->envname(Env("session-idle-timeout"))->capture_default_str();
  serve_cmd->add_option("--session-lifetime", serve.session_lifetime, "A browser session ends this long after sign-in")
      ->envname(Env("session-lifetime"))->capture_default_str();
  serve_cmd->add_option("--access-token-lifetime", serve.access_token_lifetime, "Lifetime of user access tokens")
      ->envname(Env("access-token-lifetime"))->capture_default_str();
  serve_cmd->add_option("--id-token-lifetime", serve.id_token_lifetime, "Lifetime of ID tokens")
      ->envname(Env("id-token-lifetime"))->capture_default_str();
  serve_cmd->add_option("--refresh-token-lifetime", serve.refresh_token_lifetime,
                        "Refresh tokens end this long after the code exchange, however often they rotate")
      ->envname(Env("refresh-token-lifetime"))->capture_default_str();
  serve_cmd->add_option("--client-credentials-token-lifetime", serve.client_credentials_token_lifetime,
                        "Lifetime of client_credentials (machine) access tokens")
      ->envname(Env("client-credentials-token-lifetime"))->capture_default_str();
  serve_cmd->add_option("--refresh-reuse-grace", serve.refresh_reuse_grace,
                        "A rotated refresh token used again within this window rotates again (a client's retry); "
                        "later, the reuse revokes the whole grant (0s: no tolerance)")
      ->envname(Env("refresh-reuse-grace"))->capture_default_str();
  serve_cmd->add_option("--backchannel-ca-file", serve.backchannel_ca_file,
                        "Extra CA certificate (PEM) trusted for back-channel logout URIs")
      ->envname(Env("backchannel-ca-file"));
  serve_cmd->add_option("--upstream-timeout", serve.upstream_timeout,
                        "Time allowed for each call to an upstream identity provider (SSO, social)")
      ->envname(Env("upstream-timeout"))->capture_default_str();
  serve_cmd->add_option("--upstream-ca-file", serve.upstream_ca_file,
                        "Extra CA certificate (PEM) trusted for upstream identity providers")
      ->envname(Env("upstream-ca-file"));
  serve_cmd->add_option("--rate-limit-email", serve.rate_limit_email, "Sign-in emails to one address per 15 minutes")
      ->envname(Env("rate-limit-email"))->capture_default_str();
  serve_cmd->add_option("--rate-limit-ip", serve.rate_limit_ip, "Sign-in emails requested from one IP per 15 minutes")
      ->envname(Env("rate-limit-ip"))->capture_default_str();
  serve_cmd->add_option("--rate-limit-verify-ip", serve.rate_limit_verify_ip,
                        "Code and link checks from one IP per 5 minutes")
      ->envname(Env("rate-limit-verify-ip"))->capture_default_str();

  // client
  auto* client_cmd = app.add_subcommand("client", "Manage application clients (works with or without a running server)");
  client_cmd->require_subcommand(1);
  ClientCreateOptions create;
  auto* create_cmd = client_cmd->add_subcommand("create", "Register a client; prints its id and secret (shown once)");
  AddCommon(create_cmd, create.common);
  create_cmd->add_option("--name", create.name, "Application name shown on the login page")->required();
  create_cmd->add_option("--redirect-uri", create.redirect_uris, "Exact callback URL (repeatable)");
  create_cmd->add_option("--post-logout-redirect-uri", create.post_logout_redirect_uris,
                         "Exact URL to return to after logout (repeatable)");
  create_cmd->add_option("--scope", create.scopes,
                         "Scope the client may request with client_credentials; without `scope` it gets them all "
                         "(repeatable)");
  create_cmd->add_option("--organization", create.organization_id,
                         "ORG_ID: make this an organization's machine client (its tokens carry `oid`)");
  create_cmd->add_option("--backchannel-logout-uri", create.backchannel_logout_uri,
                         "URL that receives a logout token when a session it has tokens for ends (https, or "
                         "http on localhost)");
  CommonOptions list_o, get_o, delete_o, edit_o;
  std::string client_id, uri;
  auto* list_cmd = client_cmd->add_subcommand("list", "List clients");
  AddCommon(list_cmd, list_o);
  auto* get_cmd = client_cmd->add_subcommand("get", "Show one client");
  AddCommon(get_cmd, get_o);
  get_cmd->add_option("CLIENT_ID", client_id)->required();
  auto* delete_cmd = client_cmd->add_subcommand("delete", "Delete a client");
  AddCommon(delete_cmd, delete_o);
  delete_cmd->add_option("CLIENT_ID", client_id)->required();
  struct UriCommand {
    const char* name;
    const char* help;
    UriList list;
    bool add;
    CLI::App* cmd = nullptr;
  };
  UriCommand uri_commands[] = {
      {"add-redirect-uri", "Allow an exact callback URL", UriList::kRedirect, true},
      {"remove-redirect-uri", "Remove a callback URL", UriList::kRedirect, false},
      {"add-post-logout-redirect-uri", "Allow an exact post-logout URL", UriList::kPostLogout, true},
      {"remove-post-logout-redirect-uri", "Remove a post-logout URL", UriList::kPostLogout, false},
  };
  for (auto& u : uri_commands) {
    u.cmd = client_cmd->add_subcommand(u.name, u.help);
    AddCommon(u.cmd, edit_o);
    u.cmd->add_option("CLIENT_ID", client_id)->required();
    u.cmd->add_option("URI", uri)->required();
  }

  // keys
  auto* keys_cmd = app.add_subcommand("keys", "Signing keys");
  keys_cmd->require_subcommand(1);
  KeysOptions keys_list, keys_rotate;
  auto* keys_list_cmd = keys_cmd->add_subcommand("list", "List signing keys and their states");
  AddCommon(keys_list_cmd, keys_list.common);
  auto* keys_rotate_cmd = keys_cmd->add_subcommand(
      "rotate", "Retire the active key, start signing with the published next key, publish a new next key");
  AddCommon(keys_rotate_cmd, keys_rotate.common);
  keys_rotate_cmd->add_option("--signing-alg", keys_rotate.signing_alg, "RS256 or ES256")
      ->envname(Env("signing-alg"))->capture_default_str();
  keys_rotate_cmd->add_option("--key-retention", keys_rotate.key_retention, "How long the retired key stays published")
      ->envname(Env("key-retention"))->capture_default_str();

  // org
  auto* org_cmd = app.add_subcommand("org", "Manage organizations (tenants); their domains and SSO connections belong to them");
  org_cmd->require_subcommand(1);
  OrgCreateOptions org_create;
  CommonOptions org_o;
  std::string org_id;
  auto* org_create_cmd = org_cmd->add_subcommand("create", "Create an organization; prints it with its id (org_...)");
  AddCommon(org_create_cmd, org_create.common);
  org_create_cmd->add_option("--name", org_create.name, "Display name (1 to 200 characters)")->required();
  auto* external_id_opt =
      org_create_cmd->add_option("--external-id", org_create.external_id, "Your own id for it (unique; printable ASCII)");
  auto* user_cmd = app.add_subcommand("user", "Users (created when they first sign in)");
  user_cmd->require_subcommand(1);
  CommonOptions user_o;
  std::string user_id;
  auto* user_list_cmd = user_cmd->add_subcommand("list", "List users");
  AddCommon(user_list_cmd, user_o);
  auto* user_get_cmd = user_cmd->add_subcommand("get", "Show one user (by id or email) with its organizations");
  AddCommon(user_get_cmd, user_o);
  user_get_cmd->add_option("USER", user_id, "usr_... or an email address")->required();
  auto* org_list_cmd = org_cmd->add_subcommand("list", "List organizations");
  AddCommon(org_list_cmd, org_o);
  auto* org_get_cmd = org_cmd->add_subcommand("get", "Show one organization with its domains and connections");
  AddCommon(org_get_cmd, org_o);
  org_get_cmd->add_option("ORG_ID", org_id)->required();
  auto* org_delete_cmd = org_cmd->add_subcommand("delete", "Delete an organization with its domains and connections");
  AddCommon(org_delete_cmd, org_o);
  org_delete_cmd->add_option("ORG_ID", org_id)->required();

  // domain
  auto* domain_cmd = app.add_subcommand("domain", "Domains an organization owns (home-realm discovery by email domain)");
  domain_cmd->require_subcommand(1);
  CommonOptions domain_o;
  std::string domain_org_id, domain_name, domain_id;
  auto* domain_add_cmd = domain_cmd->add_subcommand(
      "add", "Claim a domain for an organization (lowercased; IDNs in punycode; one organization per domain)");
  AddCommon(domain_add_cmd, domain_o);
  domain_add_cmd->add_option("ORG_ID", domain_org_id)->required();
  domain_add_cmd->add_option("DOMAIN", domain_name)->required();
  auto* domain_list_cmd = domain_cmd->add_subcommand("list", "List the domains of an organization");
  AddCommon(domain_list_cmd, domain_o);
  domain_list_cmd->add_option("ORG_ID", domain_org_id)->required();
  auto* domain_remove_cmd = domain_cmd->add_subcommand("remove", "Release a domain");
  AddCommon(domain_remove_cmd, domain_o);
  domain_remove_cmd->add_option("DOMAIN_ID", domain_id)->required();

  // connection
  auto* conn_cmd = app.add_subcommand(
      "connection", "Ways to sign in: enterprise SSO (oidc, saml) of an organization, social (oauth) and passwordless "
                    "for the whole environment");
  conn_cmd->require_subcommand(1);
  ConnectionCreateOptions conn_create;
  auto* conn_create_cmd = conn_cmd->add_subcommand("create", "Create a connection (enabled unless --disabled)");
  AddCommon(conn_create_cmd, conn_create.common);
  conn_create_cmd->add_option("--type", conn_create.type, "oidc, saml, oauth (social) or passwordless")->required();
  conn_create_cmd->add_option("--org", conn_create.org_id, "Owning organization (required for oidc and saml only)");
  conn_create_cmd->add_option("--provider", conn_create.provider,
                              "oidc/saml: custom (default), okta, entra_id, google_workspace, onelogin, jumpcloud, "
                              "ping, auth0; oauth: google, microsoft, github, gitlab, linkedin, salesforce; "
                              "passwordless: email");
  conn_create_cmd->add_option("--name", conn_create.name, "Button text on the login page");
  conn_create_cmd->add_flag("--disabled", conn_create.disabled, "Create it disabled");
  AddConnectionSettings(conn_create_cmd, conn_create.settings);
  ConnectionListOptions conn_list;
  auto* conn_list_cmd = conn_cmd->add_subcommand("list", "List connections (all, one organization's, or the environment's)");
  AddCommon(conn_list_cmd, conn_list.common);
  auto* conn_list_org = conn_list_cmd->add_option("--org", conn_list.org_id, "Only this organization's");
  auto* conn_list_env =
      conn_list_cmd->add_flag("--environment", conn_list.environment, "Only the environment-wide ones (social, passwordless)");
  conn_list_org->excludes(conn_list_env);
  CommonOptions conn_o;
  std::string connection_id;
  auto* conn_enable_cmd = conn_cmd->add_subcommand("enable", "Enable a connection");
  AddCommon(conn_enable_cmd, conn_o);
  conn_enable_cmd->add_option("CONN_ID", connection_id)->required();
  auto* conn_disable_cmd = conn_cmd->add_subcommand("disable", "Disable a connection (kept, not offered at login)");
  AddCommon(conn_disable_cmd, conn_o);
  conn_disable_cmd->add_option("CONN_ID", connection_id)->required();
  auto* conn_delete_cmd = conn_cmd->add_subcommand("delete", "Delete a connection");
  AddCommon(conn_delete_cmd, conn_o);
  conn_delete_cmd->add_option("CONN_ID", connection_id)->required();
  ConnectionSettingsOptions conn_settings;
  auto* conn_configure_cmd = conn_cmd->add_subcommand(
      "configure", "Set the identity provider of an oidc, saml or oauth connection (replaces its settings; the client "
                   "secret is kept unless a new one is given)");
  AddCommon(conn_configure_cmd, conn_o);
  conn_configure_cmd->add_option("CONN_ID", connection_id)->required();
  AddConnectionSettings(conn_configure_cmd, conn_settings);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "gatehouse: %s (see gatehouse --help)\n", e.what());
    return 2;
  }

  if (init_cmd->parsed()) return RunInit(init);
  if (serve_cmd->parsed()) return RunServe(serve);
  if (create_cmd->parsed()) return RunClientCreate(create);
  if (list_cmd->parsed()) return RunClientList(list_o);
  if (get_cmd->parsed()) return RunClientGet(get_o, client_id);
  if (delete_cmd->parsed()) return RunClientDelete(delete_o, client_id);
  for (auto& u : uri_commands) {
    if (u.cmd->parsed()) return RunClientEditUri(edit_o, client_id, uri, u.list, u.add);
  }
  if (keys_list_cmd->parsed()) return RunKeysList(keys_list);
  if (keys_rotate_cmd->parsed()) return RunKeysRotate(keys_rotate);
  org_create.has_external_id = external_id_opt->count() > 0;
  if (org_create_cmd->parsed()) return RunOrgCreate(org_create);
  if (org_list_cmd->parsed()) return RunOrgList(org_o);
  if (user_list_cmd->parsed()) return RunUserList(user_o);
  if (user_get_cmd->parsed()) return RunUserGet(user_o, user_id);
  if (org_get_cmd->parsed()) return RunOrgGet(org_o, org_id);
  if (org_delete_cmd->parsed()) return RunOrgDelete(org_o, org_id);
  if (domain_add_cmd->parsed()) return RunDomainAdd(domain_o, domain_org_id, domain_name);
  if (domain_list_cmd->parsed()) return RunDomainList(domain_o, domain_org_id);
  if (domain_remove_cmd->parsed()) return RunDomainRemove(domain_o, domain_id);
  if (conn_create_cmd->parsed()) return RunConnectionCreate(conn_create);
  if (conn_list_cmd->parsed()) return RunConnectionList(conn_list);
  if (conn_enable_cmd->parsed()) return RunConnectionSetEnabled(conn_o, connection_id, true);
  if (conn_disable_cmd->parsed()) return RunConnectionSetEnabled(conn_o, connection_id, false);
  if (conn_delete_cmd->parsed()) return RunConnectionDelete(conn_o, connection_id);
  if (conn_configure_cmd->parsed()) return RunConnectionConfigure(conn_o, connection_id, conn_settings);
  std::fprintf(stderr, "gatehouse: no command given (see gatehouse --help)\n");
  return 2;
}

}  // namespace gatehouse::app
