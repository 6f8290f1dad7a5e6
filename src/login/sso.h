// Signing in through an upstream identity provider: SSO (OIDC, SAML) and social connections
// (connectors/sso). Internal to src/login; mounted by MountLogin.
//
//   GET  /login/sso?tx=TOKEN   starts the leg: the connector's redirect (302) to the IdP. The leg
//        (the transaction, the connector's sealed state, the browser's binding) is stored under
//        the hash of a fresh 256-bit relay value that the IdP sends back (OIDC state, SAML
//        RelayState); it lives as long as the transaction and is taken once.
//   GET  /sso/oidc/callback?state&code|error       OIDC and OAuth 2.0 connections
//   POST /sso/saml/acs/{connection}  SAMLResponse, RelayState: a cross-site POST carries no
//        SameSite=Lax cookie, so the answer is verified here and the result, sealed, becomes a
//        second leg that GET /sso/continue?r=… finishes in the browser, which then shows its
//        cookie. An answer without a leg is IdP-initiated: with the connection's
//        initiate_login_uri it goes to the application with a signed idp_initiated_login token.
//   GET  /sso/saml/metadata/{connection}   the SP metadata (XML)
//
// The browser binding is the CSRF cookie (csrf.h): a leg started in one browser cannot be
// finished in another (login CSRF, RFC 9700 §4.7). After the binding and the transaction check
// out, an upstream failure is redirected to the application as `error` (one of the documented
// codes, connectors/sso/connector.h), `error_description`, `state`, `iss`; before that, it is
// an error page (there is no trustworthy redirect_uri to send it to).
//
// A verified identity becomes a user (linking.cc): by (connection, subject); else by email when
// the IdP verified it (or, for SSO, when its domain belongs to the connection's organization),
// linking the identity; else a new user (just in time). The login's organization is the
// connection's (SSO); amr[0] names the connection.
#pragma once

#include <memory>

#include "http/router.h"
#include "login/pages.h"

namespace gatehouse::login {

void MountSso(http::Router& router, const std::shared_ptr<const PageKit>& kit);

}  // namespace gatehouse::login
