#include "oauth/errors.h"

namespace gatehouse::oauth {

http::Response RenderError(const OAuthError& error) {
  http::Response r = http::Response::JsonError(error.status, error.code, error.description);
  r.Set("Pragma", "no-cache");
  if (!error.challenge.empty()) {
    std::string challenge(error.challenge);
    // RFC 6750 §3: a Bearer challenge names the error; quoted values never contain '"' here
    // (codes are constants).
    if (error.challenge == "Bearer") challenge += " error=\"" + std::string(error.code) + "\"";
    else challenge += " realm=\"gatehouse\"";
    r.Set("WWW-Authenticate", std::move(challenge));
  }
  return r;
}

http::Response NoStoreJson(std::string body) {
  http::Response r = http::Response::Json(200, std::move(body));
  r.Set("Cache-Control", "no-store");
  r.Set("Pragma", "no-cache");
  return r;
}

}  // namespace gatehouse::oauth
