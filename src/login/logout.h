// GET|POST /oidc/logout: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), what the
// Scalekit SDKs' getLogoutUrl builds (wire/scalekit-compat.md §(d), §(h)1).
//
// Parameters (query for GET, form for POST; each at most once): id_token_hint, client_id,
// post_logout_redirect_uri, state (others such as ui_locales are ignored).
//   1. id_token_hint, when present, must be an ID token this server signed (an expired one is
//      accepted: an application logs out long after login); its aud names the client and its
//      sid the session. A client_id that disagrees with it is refused.
//   2. post_logout_redirect_uri must be registered, byte for byte, for that client; without a
//      hint or client_id (the Node SDK sends none) it must be registered for some client.
//      Otherwise: a 400 page, never a redirect.
//   3. Sessions ended (Store::EndSession: the session row goes and every grant issued in it is
//      revoked, so its refresh tokens stop working): the hint's session; without a hint, every
//      session of this browser (its cookie). The cookie keeps the browser's other accounts.
//   4. Clients of the revoked grants that registered a back-channel logout URI are notified
//      (oauth/backchannel.h).
//   5. 302 to post_logout_redirect_uri (with state when given), or the signed-out page.
#pragma once

#include "http/router.h"
#include "login/hosted.h"
#include "oauth/backchannel.h"
#include "oauth/tokens.h"

namespace gatehouse::login {

struct LogoutDeps {
  const oauth::TokenIssuer& tokens;
  oauth::BackchannelNotifier* backchannel = nullptr;  // null: no back-channel notices
};

http::Response HandleLogout(const LoginDeps& login, const LogoutDeps& deps, const http::Request& request);
void MountLogout(http::Router& router, const LoginDeps& login, const LogoutDeps& deps);

}  // namespace gatehouse::login
