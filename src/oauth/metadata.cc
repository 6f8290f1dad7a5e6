#include "oauth/metadata.h"

#include <boost/json.hpp>

namespace gatehouse::oauth {
namespace {

boost::json::array ToArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Discovery documents and key sets are public and change rarely; letting clients and proxies
// cache them for a few minutes is safe because a new signing key is published long before it
// signs (see keys.h). CORS is open so browser-based clients can fetch them.
http::Response PublicJson(std::shared_ptr<const std::string> body) {
  http::Response r = http::Response::Json(200, {});
  r.shared_body = std::move(body);
  r.Set("Cache-Control", "public, max-age=300");
  r.Set("Access-Control-Allow-Origin", "*");
  return r;
}

}  // namespace

std::string ServerMetadata::ToJson() const {
  boost::json::object o;
  o["issuer"] = issuer;
  auto endpoint = [&](const char* name, const std::string& path) {
    if (!path.empty()) o[name] = issuer + path;
  };
  endpoint("authorization_endpoint", authorization_endpoint);
  endpoint("token_endpoint", token_endpoint);
  endpoint("userinfo_endpoint", userinfo_endpoint);
  o["jwks_uri"] = issuer + "/keys";
  endpoint("revocation_endpoint", revocation_endpoint);
  endpoint("introspection_endpoint", introspection_endpoint);
  endpoint("end_session_endpoint", end_session_endpoint);
  auto list = [&](const char* name, const std::vector<std::string>& v) {
    if (!v.empty()) o[name] = ToArray(v);
  };
  list("scopes_supported", scopes_supported);
  list("response_types_supported", response_types_supported);
  list("response_modes_supported", response_modes_supported);
  list("grant_types_supported", grant_types_supported);
  o["subject_types_supported"] = boost::json::array{"public"};
  list("id_token_signing_alg_values_supported", id_token_signing_alg_values_supported);
  list("token_endpoint_auth_methods_supported", token_endpoint_auth_methods_supported);
  list("code_challenge_methods_supported", code_challenge_methods_supported);
  list("prompt_values_supported", prompt_values_supported);
  list("claims_supported", claims_supported);
  if (authorization_response_iss_parameter_supported) o["authorization_response_iss_parameter_supported"] = true;
  if (backchannel_logout_supported) {
    o["backchannel_logout_supported"] = true;
    o["backchannel_logout_session_supported"] = true;
  }
  return boost::json::serialize(o);
}

void MountMetadata(http::Router& router, const ServerMetadata& metadata, const KeyManager& keys) {
  auto doc = std::make_shared<const std::string>(metadata.ToJson());
  auto serve_doc = [doc](const http::Request&) { return PublicJson(doc); };
  router.Add(http::Method::kGet, "/.well-known/openid-configuration", serve_doc);
  router.Add(http::Method::kGet, "/.well-known/oauth-authorization-server", serve_doc);
  router.Add(http::Method::kGet, "/keys", [&keys](const http::Request&) {
    auto snap = keys.Current();
    // Shares the snapshot's JWKS text: the snapshot stays alive until the response is written.
    return PublicJson(std::shared_ptr<const std::string>(snap, &snap->jwks_json));
  });
}

}  // namespace gatehouse::oauth
