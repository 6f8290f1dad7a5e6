// The org, domain and connection commands (cli.cc holds their flags). Like the client commands
// they work on the store directly, with or without a running server, print one JSON document on
// stdout and fail with one "gatehouse: ..." line on stderr and exit code 1.
#pragma once

#include <string>
#include <string_view>

#include "app/commands.h"
#include "common/status.h"
#include "store/store.h"

namespace gatehouse::app {

// ---- Organizations ----

struct OrgCreateOptions {
  CommonOptions common;
  std::string name;         // display name, 1..200 characters, no control characters
  std::string external_id;  // 1..255 printable ASCII characters, unique among organizations
  bool has_external_id = false;  // --external-id was given (so "" is an error, not "none")
};
int RunOrgCreate(const OrgCreateOptions& options);
int RunOrgList(const CommonOptions& options);
// The organization with its domains and connections.
int RunOrgGet(const CommonOptions& options, const std::string& org_id);
// Deletes the organization with its domains and connections.
int RunOrgDelete(const CommonOptions& options, const std::string& org_id);

// ---- Users (user_commands.cc) ----

int RunUserList(const CommonOptions& options);
// One user, by id (usr_...) or email address, with the organizations it belongs to.
int RunUserGet(const CommonOptions& options, const std::string& id_or_email);

// ---- Domains ----

int RunDomainAdd(const CommonOptions& options, const std::string& org_id, const std::string& domain);
int RunDomainList(const CommonOptions& options, const std::string& org_id);
int RunDomainRemove(const CommonOptions& options, const std::string& domain_id);

// The form a domain is stored and matched in: ASCII letters lowercased and one trailing dot
// dropped; then it must be a host name: two or more labels of 1..63 letters, digits and '-'
// (not first or last), 253 characters at most, the last label not all digits (so not an IPv4
// address). Internationalised names must be given in punycode ("xn--..."). Syntax only: public
// suffixes and consumer mail domains are not refused here.
Result<std::string> NormalizeDomain(std::string_view domain);

// ---- Connections ----

// The upstream IdP's configuration of an oidc, saml or oauth connection (login/sso_config.h,
// connectors/sso/oidc.h, saml.h).
struct ConnectionSettingsOptions {
  std::string settings;            // a JSON object, or @FILE
  std::string client_secret_file;  // the upstream client secret, read from FILE ("-": stdin)
  std::string idp_metadata_file;   // saml: the IdP's metadata XML (becomes idp_metadata_xml)
  std::string idp_metadata_url;    // saml: fetched once, now
  bool any() const {
    return !settings.empty() || !client_secret_file.empty() || !idp_metadata_file.empty() || !idp_metadata_url.empty();
  }
};

struct ConnectionCreateOptions {
  CommonOptions common;
  std::string type;      // oidc | saml | oauth | passwordless
  std::string org_id;    // required for oidc/saml, refused for oauth/passwordless
  std::string provider;  // see RunConnectionCreate
  std::string name;      // button text; may be empty
  bool disabled = false;
  ConnectionSettingsOptions settings;  // optional: the IdP's configuration
};
// oidc, saml: --org required; provider custom (default), okta, entra_id, google_workspace,
//             onelogin, jumpcloud, ping or auth0.
// oauth:      environment-wide; provider google, microsoft, github, gitlab, linkedin or salesforce.
// passwordless: environment-wide; provider email (the default).
int RunConnectionCreate(const ConnectionCreateOptions& options);

struct ConnectionListOptions {
  CommonOptions common;
  std::string org_id;        // only this organization's
  bool environment = false;  // only the environment-wide ones
};
int RunConnectionList(const ConnectionListOptions& options);
int RunConnectionSetEnabled(const CommonOptions& options, const std::string& connection_id, bool enabled);
int RunConnectionDelete(const CommonOptions& options, const std::string& connection_id);
// Sets (replaces) the connection's IdP configuration; the client secret is kept unless a new
// one is given. Validated before anything is written.
int RunConnectionConfigure(const CommonOptions& options, const std::string& connection_id,
                           const ConnectionSettingsOptions& settings);

// Used by RunConnectionCreate and RunConnectionConfigure (connection_settings.cc): the
// settings_json to store for `connection`.
Result<std::string> StoredSettingsFromOptions(const CommonOptions& common, const store::Connection& connection,
                                              const ConnectionSettingsOptions& options);

}  // namespace gatehouse::app
