// The hosted pages' view models: typed structs that hold exactly what a template shows, turned
// into web::Data in one place (STYLE.md §2.15: handlers never build maps of strings). Every
// field is rendered escaped.
#pragma once

#include <string>
#include <vector>

#include "http/request.h"
#include "store/store.h"

namespace gatehouse::login {

struct ErrorView {
  std::string app_name;    // may be empty (the client is not known yet)
  std::string title;
  std::string message;
  std::string retry_url;   // a same-origin link back to the sign-in page, or empty
  std::string request_id;  // may be empty
};

struct ConnectionButton {
  std::string connection_id;
  std::string label;
};

struct LoginView {
  std::string app_name;
  std::string org_name;  // when the transaction names an organization
  std::string tx;        // the sealed transaction token
  std::string csrf;      // the form token (csrf.h)
  bool signup = false;
  std::string email;     // prefill: login_hint, or what was typed
  std::string name;      // sign-up only
  std::string error;     // shown above the form, or empty
  bool email_invalid = false;  // the error is about the email field
  bool name_invalid = false;   // ... or the name field
  std::vector<ConnectionButton> sso;     // the organization's enabled SSO connections
  std::vector<ConnectionButton> social;  // the environment's enabled social connections
};

struct ConnectionView {
  std::string app_name;
  std::string org_name;
  std::string tx;
  std::string email;
  std::string kind_label;       // "Single sign-on", "Social sign-in", "Passwordless sign-in"
  std::string connection_id;
  std::string connection_name;  // display name, else provider
  std::string connection_type;  // "oidc", "saml", "oauth", "passwordless"
  std::string continue_url;     // where the page moves on to (/login/sso?tx=...); empty: not set up
};

struct PasswordlessView {
  std::string app_name;
  std::string tx;
  std::string csrf;
  std::string email;
  bool otp = true;    // the code form is shown
  bool link = true;   // the email holds a link
  bool sent = false;  // an email went out for this transaction
  std::string error;  // shown instead of "we sent ...", or empty
  bool code_invalid = false;  // the error is about the code field
};

struct MagicConfirmView {
  std::string app_name;
  std::string email;
  std::string token;  // the link token, posted back
  std::string csrf;
};

struct AccountChoice {
  std::string session_id;
  std::string organization_id;  // empty: no organization
  std::string label;
};

struct AccountView {
  std::string email;
  std::string name;
  std::vector<AccountChoice> choices;
};

struct SelectAccountView {
  std::string app_name;
  std::string tx;
  std::string csrf;
  std::string error;
  std::vector<AccountView> accounts;
};

struct SignedOutView {
  std::string app_name;  // may be empty (no client named in the request)
  std::string message;
};

http::Response ErrorPage(int status, const ErrorView& view);
http::Response SignedOutPage(const SignedOutView& view);
http::Response LoginPage(int status, const LoginView& view);
http::Response ConnectionPage(const ConnectionView& view);
// "Signing you in": moves on to `url` (a same-origin path, or the application's URL of an
// IdP-initiated login) by itself (meta refresh) or by its link, so that what follows is a
// navigation of its own (not part of the form post or of the IdP's cross-site post that led
// here, whose CSP form-action would otherwise apply).
http::Response ContinuePage(std::string url);
// These three pages post forms that end in a redirect to the client: `form_action` is
// oauth::FormActionFor(the transaction's redirect URI).
http::Response PasswordlessPage(int status, const PasswordlessView& view, std::string_view form_action);
http::Response MagicConfirmPage(const MagicConfirmView& view, std::string_view form_action);
http::Response SelectAccountPage(int status, const SelectAccountView& view, std::string_view form_action);

// "Single sign-on" for OIDC and SAML, "Social sign-in", "Passwordless sign-in".
std::string ConnectionKindLabel(store::ConnectionType type);
// "Google" for "google" ...; other providers as given.
std::string ProviderDisplayName(std::string_view provider);
// Button text: "Continue with " + the display name, else the provider (unless "custom"), else
// "single sign-on".
std::string ButtonLabel(const store::Connection& connection);

}  // namespace gatehouse::login
