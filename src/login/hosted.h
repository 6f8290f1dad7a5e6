// The hosted login pages (DESIGN.md §2.4): email first, then home-realm discovery to an
// organization's SSO connection or the passwordless step; social and SSO buttons.
//
// Routes (all answers are web::Page responses, so every one carries the security headers):
//   GET  /login?tx=TOKEN[&mode=signup|signin]  the sign-in (or sign-up) page; sets the CSRF cookie
//   POST /login/email        tx, csrf, email[, name, mode] -> 303 to /login/connection or
//                            /login/passwordless with a re-sealed transaction
//   POST /login/connection   tx, csrf, connection -> 303 to /login/connection
//   GET  /login/connection?tx=TOKEN    the connection step (a labelled placeholder until the SSO
//                                      and social connectors exist)
//   GET  /login/passwordless?tx=TOKEN  the passwordless step (placeholder until email sign-in)
// The stylesheet (/login/static/...) is mounted separately, by web::MountStatic.
//
// Errors are pages, never redirects to the client: an unusable transaction is 400, a form that
// is not application/x-www-form-urlencoded 415, a repeated field 400, a CSRF failure 403, an
// internal failure 500 (logged with the request id; the page shows only the request id).
//
// The transaction travels only in URLs and forms (it is sealed: transaction.h); re-sealing
// keeps its id and expiry, so a login cannot outlive the 10 minutes /oauth/authorize gave it.
//
// Thread safety: the handlers share only `LoginDeps`, whose members are thread-safe.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "http/request.h"
#include "http/router.h"
#include "oauth/transaction.h"
#include "store/store.h"

namespace gatehouse::login {

struct LoginDeps {
  store::Store& store;
  const oauth::TransactionSealer& sealer;
  // 32 bytes: crypto::DeriveKey(master_key, "gatehouse csrf v1").
  std::string csrf_key;
  Clock& clock;
  Random& random;
  // Secure, __Host- prefixed cookies. Only plain-HTTP development turns this off.
  bool secure_cookies = true;
};

// Mounts the routes above. `deps` is copied; the objects it refers to must outlive the router.
void MountLogin(http::Router& router, const LoginDeps& deps);

}  // namespace gatehouse::login
