// init, client and keys commands: they work on the store directly, with or without a running
// server (the store is safe to share between processes).
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "app/commands.h"
#include "app/data_dir.h"
#include "app/output.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/url.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "oauth/keys.h"
#include "oauth/redirect_uri.h"

namespace gatehouse::app {
namespace {

constexpr std::string_view kIssuerSetting = "issuer";
constexpr std::string_view kInitialClientSetting = "initial_client_id";
constexpr std::size_t kMaxClientNameLength = 200;
constexpr std::size_t kMaxScopeLength = 128;
constexpr std::size_t kMaxClientScopes = 100;

boost::json::object ClientJson(const store::Client& c) {
  boost::json::array redirect, post_logout, scopes;
  for (const auto& u : c.redirect_uris) redirect.emplace_back(u);
  for (const auto& u : c.post_logout_redirect_uris) post_logout.emplace_back(u);
  for (const auto& s : c.scopes) scopes.emplace_back(s);
  return {{"client_id", c.id},
          {"name", c.name},
          {"redirect_uris", redirect},
          {"post_logout_redirect_uris", post_logout},
          {"scopes", scopes},
          {"organization_id", c.organization_id},
          {"backchannel_logout_uri", c.backchannel_logout_uri},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

Status ValidateClientName(const std::string& name) {
  if (name.empty() || name.size() > kMaxClientNameLength) {
    return InvalidArgumentError("client name must be 1 to 200 characters");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return InvalidArgumentError("client name must not contain control characters");
  }
  return Status::Ok();
}

Status ValidateUris(const std::vector<std::string>& uris) {
  if (uris.size() > oauth::kMaxRedirectUrisPerClient) return InvalidArgumentError("too many redirect URIs (max 100)");
  for (const auto& u : uris) RETURN_IF_ERROR(oauth::ValidateRedirectUriForRegistration(u));
  return Status::Ok();
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), printable ASCII without space,
// '"' or '\'; at most 128 characters here. Repeats are refused rather than kept twice.
Status ValidateScopes(const std::vector<std::string>& scopes) {
  if (scopes.size() > kMaxClientScopes) return InvalidArgumentError("too many scopes (max 100)");
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const std::string& scope = scopes[i];
    if (scope.empty() || scope.size() > kMaxScopeLength) {
      return InvalidArgumentError("--scope must be 1 to 128 characters");
    }
    for (unsigned char c : scope) {
      if (c <= 0x20 || c >= 0x7F || c == '"' || c == '\\') {
        // The value itself stays out of the message: it may hold control characters.
        return InvalidArgumentError("--scope must be printable ASCII without spaces, '\"' or '\\' (RFC 6749 §3.3)");
      }
    }
    if (std::find(scopes.begin(), scopes.begin() + static_cast<std::ptrdiff_t>(i), scope) !=
        scopes.begin() + static_cast<std::ptrdiff_t>(i)) {
      return InvalidArgumentError("--scope " + scope + " is given twice");
    }
  }
  return Status::Ok();
}

// OIDC Back-Channel Logout 1.0 §2.2: an absolute URL the server POSTs logout tokens to. The
// redirect URI rules fit (no fragment, https unless the host is loopback), minus the native-app
// schemes: the server itself calls it, over HTTP.
Status ValidateBackchannelLogoutUri(const std::string& uri) {
  if (uri.empty()) return Status::Ok();
  if (auto url = ParseHttpUrl(uri); !url.ok()) {
    return InvalidArgumentError("--backchannel-logout-uri must be an absolute http(s) URL: " + url.error().message());
  }
  if (Status s = oauth::ValidateRedirectUriForRegistration(uri); !s.ok()) {
    return InvalidArgumentError("--backchannel-logout-uri follows the redirect URI rules: " + s.message());
  }
  return Status::Ok();
}

Result<std::unique_ptr<store::Store>> OpenExisting(const CommonOptions& o) {
  return OpenExistingStore(o.data_dir, o.store_uri);
}

// Creates the client described by `c` (its name, URIs, scopes, organization and back-channel
// URI; the rest is filled in here) and returns its JSON with the one-time plaintext secret. The
// organization, if any, is the caller's to check.
Result<boost::json::object> CreateClient(store::Store& store, store::Client c) {
  RETURN_IF_ERROR(ValidateClientName(c.name));
  RETURN_IF_ERROR(ValidateUris(c.redirect_uris));
  RETURN_IF_ERROR(ValidateUris(c.post_logout_redirect_uris));
  RETURN_IF_ERROR(ValidateScopes(c.scopes));
  RETURN_IF_ERROR(ValidateBackchannelLogoutUri(c.backchannel_logout_uri));
  Random& random = crypto::SystemRandom::Instance();
  c.id = NewId(random, id_prefix::kClient);
  const std::string secret = crypto::NewSecret(random);
  c.secret_hash = crypto::HashSecret(secret);
  c.created_at = c.updated_at = SystemClock::Instance().NowSeconds();
  RETURN_IF_ERROR(store.CreateClient(c));
  boost::json::object out = ClientJson(c);
  // Shown once; only its hash is stored.
  out["client_secret"] = secret;
  return out;
}

Result<crypto::JwsAlg> ParseAlg(const std::string& s) {
  auto alg = crypto::ParseJwsAlg(s);
  if (!alg) return InvalidArgumentError("--signing-alg must be RS256 or ES256, not '" + s + "'");
  return *alg;
}

}  // namespace

std::int64_t ParseDurationMs(const std::string& text) {
  if (text.empty()) return -1;
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (n > 1'000'000'000'000LL) return -1;
    n = n * 10 + (text[i++] - '0');
  }
  if (i == 0) return -1;
  std::string unit = text.substr(i);
  if (unit.empty() || unit == "s") return n * 1000;
  if (unit == "ms") return n;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  if (unit == "d") return n * 86'400'000;
  return -1;
}

int RunInit(const InitOptions& o) {
  auto issuer_url = ParseHttpUrl(o.issuer);
  if (!issuer_url.ok()) return Fail("--issuer: " + issuer_url.error().message());
  if (o.issuer.back() == '/') return Fail("--issuer must not end with '/' (tokens carry it byte for byte)");
  if (!issuer_url->query.empty()) return Fail("--issuer must not have a query");
  auto alg = ParseAlg(o.signing_alg);
  if (!alg.ok()) return Fail(alg.error());
  if (o.common.store_uri.empty()) {
    if (Status s = CreateDataDir(o.common.data_dir); !s.ok()) return Fail(s);
  }
  Random& random = crypto::SystemRandom::Instance();
  auto master = LoadMasterKey(o.common.data_dir, /*create=*/true, random);
  if (!master.ok()) return Fail(master.error());
  auto store = OpenDataStore(o.common.data_dir, o.common.store_uri, /*create=*/true);
  if (!store.ok()) return Fail(store.error());

  oauth::KeyManager keys(**store, *master, SystemClock::Instance(), random, oauth::KeyPolicy{.alg = *alg});
  if (Status s = keys.EnsureKeys(); !s.ok()) return Fail(s);

  // The first init run records the issuer and creates one client; later runs change nothing.
  auto existing = (*store)->GetSetting(kInitialClientSetting);
  if (existing.ok()) {
    auto issuer = (*store)->GetSetting(kIssuerSetting);
    std::fprintf(stderr, "gatehouse: %s is already initialized; nothing changed\n", o.common.data_dir.c_str());
    PrintJson(boost::json::object{{"already_initialized", true},
                                  {"issuer", issuer.ok() ? *issuer : std::string()},
                                  {"client_id", *existing},
                                  {"data_dir", o.common.data_dir}});
    return 0;
  }
  if (existing.error().code() != StatusCode::kNotFound) return Fail(existing.error());

  auto client = CreateClient(**store, {.name = o.client_name, .redirect_uris = o.redirect_uris});
  if (!client.ok()) return Fail(client.error());
  const std::string client_id(client->at("client_id").as_string());
  auto won = (*store)->PutSettingIfAbsent(kInitialClientSetting, client_id);
  if (!won.ok()) return Fail(won.error());
  if (!*won) {
    // A concurrent init won the race: drop ours so exactly one initial client exists.
    (void)(*store)->DeleteClient(client_id);
    std::fprintf(stderr, "gatehouse: %s was initialized concurrently; nothing changed\n", o.common.data_dir.c_str());
    return 0;
  }
  if (auto s = (*store)->PutSettingIfAbsent(kIssuerSetting, o.issuer); !s.ok()) return Fail(s.error());
  auto snapshot = keys.Current();
  boost::json::object out{{"issuer", o.issuer},
                          {"client_id", client_id},
                          {"client_secret", client->at("client_secret")},
                          {"redirect_uris", client->at("redirect_uris")},
                          {"signing_key", snapshot->signing->kid()},
                          {"signing_alg", o.signing_alg},
                          {"data_dir", o.common.data_dir},
                          {"store", o.common.store_uri.empty() ? DefaultStoreUri(o.common.data_dir) : o.common.store_uri}};
  PrintJson(out);
  return 0;
}

int RunClientCreate(const ClientCreateOptions& o) {
  auto store = OpenExisting(o.common);
  if (!store.ok()) return Fail(store.error());
  if (!o.organization_id.empty()) {
    // Checked here: the store keeps a client's organization_id as given (no foreign key).
    auto org = (*store)->GetOrganization(o.organization_id);
    if (!org.ok()) {
      return Fail(org.error().code() == StatusCode::kNotFound ? "no organization " + o.organization_id
                                                              : org.error().message());
    }
  }
  auto client = CreateClient(**store, {.name = o.name,
                                       .redirect_uris = o.redirect_uris,
                                       .post_logout_redirect_uris = o.post_logout_redirect_uris,
                                       .scopes = o.scopes,
                                       .organization_id = o.organization_id,
                                       .backchannel_logout_uri = o.backchannel_logout_uri});
  if (!client.ok()) return Fail(client.error());
  PrintJson(*client);
  return 0;
}

int RunClientList(const CommonOptions& o) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  auto clients = (*store)->ListClients();
  if (!clients.ok()) return Fail(clients.error());
  boost::json::array out;
  for (const auto& c : *clients) out.emplace_back(ClientJson(c));
  PrintJson(out);
  return 0;
}

int RunClientGet(const CommonOptions& o, const std::string& client_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  auto client = (*store)->GetClient(client_id);
  if (!client.ok()) {
    return Fail(client.error().code() == StatusCode::kNotFound ? "no client " + client_id : client.error().message());
  }
  PrintJson(ClientJson(*client));
  return 0;
}

int RunClientDelete(const CommonOptions& o, const std::string& client_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  Status s = (*store)->DeleteClient(client_id);
  if (!s.ok()) return Fail(s.code() == StatusCode::kNotFound ? "no client " + client_id : s.message());
  PrintJson(boost::json::object{{"deleted", client_id}});
  return 0;
}

int RunClientEditUri(const CommonOptions& o, const std::string& client_id, const std::string& uri, UriList list,
                     bool add) {
  if (add) {
    if (Status s = oauth::ValidateRedirectUriForRegistration(uri); !s.ok()) return Fail(s);
  }
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  const UnixSeconds now = SystemClock::Instance().NowSeconds();
  auto updated = (*store)->UpdateClient(client_id, [&](store::Client c) -> Result<store::Client> {
    auto& uris = list == UriList::kRedirect ? c.redirect_uris : c.post_logout_redirect_uris;
    auto it = std::find(uris.begin(), uris.end(), uri);
    if (add) {
      if (it != uris.end()) return AlreadyExistsError("client " + client_id + " already has " + uri);
      if (uris.size() >= oauth::kMaxRedirectUrisPerClient) return ResourceExhaustedError("too many URIs (max 100)");
      uris.push_back(uri);
    } else {
      if (it == uris.end()) return NotFoundError("client " + client_id + " does not have " + uri);
      uris.erase(it);
    }
    c.updated_at = now;
    return c;
  });
  if (!updated.ok()) {
    if (updated.error().code() == StatusCode::kNotFound && updated.error().message().starts_with("client " + client_id + " does not")) {
      return Fail(updated.error());
    }
    if (updated.error().code() == StatusCode::kNotFound) return Fail("no client " + client_id);
    return Fail(updated.error());
  }
  PrintJson(ClientJson(*updated));
  return 0;
}

int RunKeysList(const KeysOptions& o) {
  auto store = OpenExisting(o.common);
  if (!store.ok()) return Fail(store.error());
  auto alg = ParseAlg(o.signing_alg);
  if (!alg.ok()) return Fail(alg.error());
  auto master = LoadMasterKey(o.common.data_dir, false, crypto::SystemRandom::Instance());
  if (!master.ok()) return Fail(master.error());
  oauth::KeyManager keys(**store, *master, SystemClock::Instance(), crypto::SystemRandom::Instance(),
                         oauth::KeyPolicy{.alg = *alg});
  auto list = keys.List();
  if (!list.ok()) return Fail(list.error());
  boost::json::array out;
  for (const auto& k : *list) {
    out.emplace_back(boost::json::object{{"kid", k.kid},
                                         {"alg", k.alg},
                                         {"state", k.state},
                                         {"created_at", k.created_at},
                                         {"activated_at", k.activated_at},
                                         {"retired_at", k.retired_at},
                                         {"expires_at", k.expires_at}});
  }
  PrintJson(out);
  return 0;
}

int RunKeysRotate(const KeysOptions& o) {
  auto store = OpenExisting(o.common);
  if (!store.ok()) return Fail(store.error());
  auto alg = ParseAlg(o.signing_alg);
  if (!alg.ok()) return Fail(alg.error());
  std::int64_t retention_ms = ParseDurationMs(o.key_retention);
  if (retention_ms < 0) return Fail("--key-retention: not a duration (examples: 25h, 2d)");
  auto master = LoadMasterKey(o.common.data_dir, false, crypto::SystemRandom::Instance());
  if (!master.ok()) return Fail(master.error());
  oauth::KeyPolicy policy{.alg = *alg, .retention = std::chrono::seconds(retention_ms / 1000)};
  oauth::KeyManager keys(**store, *master, SystemClock::Instance(), crypto::SystemRandom::Instance(), policy);
  if (Status s = keys.EnsureKeys(); !s.ok()) return Fail(s);
  auto active = keys.Rotate();
  if (!active.ok()) return Fail(active.error());
  PrintJson(boost::json::object{{"active", *active}, {"alg", o.signing_alg}});
  return 0;
}

}  // namespace gatehouse::app
