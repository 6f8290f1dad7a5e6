#include "login/views.h"

#include "web/render.h"

namespace gatehouse::login {
namespace {

web::DataList Buttons(const std::vector<ConnectionButton>& buttons) {
  web::DataList out;
  for (const auto& b : buttons) {
    web::Data d;
    d["connection_id"] = b.connection_id;
    d["label"] = b.label;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

http::Response ErrorPage(int status, const ErrorView& view) {
  web::Data d;
  d["app_name"] = view.app_name;
  d["title"] = view.title;
  d["message"] = view.message;
  d["retry_url"] = view.retry_url;
  d["request_id"] = view.request_id;
  return web::Page(status, web::Render("error", d));
}

http::Response SignedOutPage(const SignedOutView& view) {
  web::Data d;
  d["page_title"] = std::string("Signed out");
  d["app_name"] = view.app_name;
  d["message"] = view.message;
  http::Response r = web::Page(200, web::Render("signed_out", d));
  return r;
}

http::Response LoginPage(int status, const LoginView& view) {
  web::Data d;
  d["page_title"] = (view.signup ? "Sign up · " : "Sign in · ") + view.app_name;
  d["heading"] = view.signup ? "Create your " + view.app_name + " account" : "Sign in to " + view.app_name;
  d["submit_label"] = view.signup ? "Sign up" : "Continue";
  d["app_name"] = view.app_name;
  d["org_name"] = view.org_name;
  d["tx"] = view.tx;
  d["csrf"] = view.csrf;
  d["signup"] = view.signup;
  d["email"] = view.email;
  d["name"] = view.name;
  d["error"] = view.error;
  d["email_invalid"] = view.email_invalid;
  d["name_invalid"] = view.name_invalid;
  d["sso"] = Buttons(view.sso);
  d["social"] = Buttons(view.social);
  d["has_buttons"] = !view.sso.empty() || !view.social.empty();
  return web::Page(status, web::Render("login", d));
}

http::Response ConnectionPage(const ConnectionView& view) {
  web::Data d;
  d["page_title"] = view.kind_label + " · " + view.app_name;
  d["app_name"] = view.app_name;
  d["org_name"] = view.org_name;
  d["tx"] = view.tx;
  d["email"] = view.email;
  d["kind_label"] = view.kind_label;
  d["connection_id"] = view.connection_id;
  d["connection_name"] = view.connection_name;
  d["connection_type"] = view.connection_type;
  d["refresh_url"] = view.continue_url;
  return web::Page(200, web::Render("connection", d));
}

http::Response ContinuePage(std::string url) {
  web::Data d;
  d["page_title"] = "Signing you in";
  d["refresh_url"] = std::move(url);
  return web::Page(200, web::Render("continue", d));
}

http::Response PasswordlessPage(int status, const PasswordlessView& view, std::string_view form_action) {
  web::Data d;
  d["page_title"] = "Check your email · " + view.app_name;
  d["app_name"] = view.app_name;
  d["tx"] = view.tx;
  d["csrf"] = view.csrf;
  d["email"] = view.email;
  d["otp"] = view.otp;
  d["link"] = view.link;
  d["sent"] = view.sent;
  d["error"] = view.error;
  d["code_invalid"] = view.code_invalid;
  return web::Page(status, web::Render("passwordless", d), form_action);
}

http::Response MagicConfirmPage(const MagicConfirmView& view, std::string_view form_action) {
  web::Data d;
  d["page_title"] = "Continue in this browser? · " + view.app_name;
  d["app_name"] = view.app_name;
  d["email"] = view.email;
  d["token"] = view.token;
  d["csrf"] = view.csrf;
  return web::Page(200, web::Render("magic_confirm", d), form_action);
}

http::Response SelectAccountPage(int status, const SelectAccountView& view, std::string_view form_action) {
  web::Data d;
  d["page_title"] = "Choose an account · " + view.app_name;
  d["app_name"] = view.app_name;
  d["tx"] = view.tx;
  d["csrf"] = view.csrf;
  d["error"] = view.error;
  web::DataList accounts;
  for (const AccountView& a : view.accounts) {
    web::Data ad;
    ad["email"] = a.email;
    ad["name"] = a.name;
    web::DataList choices;
    for (const AccountChoice& c : a.choices) {
      web::Data cd;
      cd["tx"] = view.tx;
      cd["csrf"] = view.csrf;
      cd["session_id"] = c.session_id;
      cd["organization_id"] = c.organization_id;
      cd["label"] = c.label;
      choices.push_back(std::move(cd));
    }
    ad["choices"] = std::move(choices);
    accounts.push_back(std::move(ad));
  }
  d["accounts"] = std::move(accounts);
  return web::Page(status, web::Render("select_account", d), form_action);
}

std::string ConnectionKindLabel(store::ConnectionType type) {
  switch (type) {
    case store::ConnectionType::kOidc:
    case store::ConnectionType::kSaml: return "Single sign-on";
    case store::ConnectionType::kOAuth: return "Social sign-in";
    case store::ConnectionType::kPasswordless: return "Passwordless sign-in";
  }
  return "Sign-in";
}

std::string ProviderDisplayName(std::string_view provider) {
  if (provider == "google") return "Google";
  if (provider == "microsoft") return "Microsoft";
  if (provider == "github") return "GitHub";
  if (provider == "gitlab") return "GitLab";
  if (provider == "linkedin") return "LinkedIn";
  if (provider == "salesforce") return "Salesforce";
  if (provider == "okta") return "Okta";
  if (provider == "entra_id") return "Microsoft Entra ID";
  return std::string(provider);
}

std::string ButtonLabel(const store::Connection& c) {
  if (!c.display_name.empty()) return "Continue with " + c.display_name;
  if (!c.provider.empty() && c.provider != "custom") return "Continue with " + ProviderDisplayName(c.provider);
  return "Continue with single sign-on";
}

}  // namespace gatehouse::login
