#include "oauth/transaction.h"

#include <boost/json.hpp>

#include "common/encoding.h"

namespace gatehouse::oauth {
namespace {

constexpr std::string_view kPurpose = "gatehouse login transaction v1";
constexpr std::size_t kMaxTokenLength = 8192;

crypto::Aead MakeAead(std::string_view master_key) {
  return std::move(crypto::Aead::Create(crypto::DeriveKey(master_key, kPurpose))).value();
}

// Short member names keep the token (which travels in URLs) small.
std::string ToJson(const LoginTransaction& tx) {
  boost::json::object o;
  o["i"] = tx.id;
  o["c"] = tx.client_id;
  o["r"] = tx.redirect_uri;
  boost::json::array scopes;
  for (const auto& s : tx.scopes) scopes.emplace_back(s);
  o["sc"] = std::move(scopes);
  if (!tx.state.empty()) o["st"] = tx.state;
  if (!tx.nonce.empty()) o["n"] = tx.nonce;
  if (!tx.code_challenge.empty()) o["cc"] = tx.code_challenge;
  int prompt = (tx.prompt.none ? 1 : 0) | (tx.prompt.login ? 2 : 0) | (tx.prompt.consent ? 4 : 0) |
               (tx.prompt.select_account ? 8 : 0) | (tx.prompt.create ? 16 : 0);
  if (prompt) o["p"] = prompt;
  if (tx.max_age) o["ma"] = *tx.max_age;
  if (tx.response_mode == ResponseMode::kFormPost) o["fp"] = true;
  if (!tx.organization_id.empty()) o["o"] = tx.organization_id;
  if (!tx.connection_id.empty()) o["cn"] = tx.connection_id;
  if (!tx.login_hint.empty()) o["lh"] = tx.login_hint;
  if (!tx.domain_hint.empty()) o["dh"] = tx.domain_hint;
  if (!tx.provider.empty()) o["pv"] = tx.provider;
  if (!tx.name.empty()) o["nm"] = tx.name;
  o["t0"] = tx.created_at;
  o["t1"] = tx.expires_at;
  return boost::json::serialize(o);
}

std::string Str(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string());
}

std::int64_t Int(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace

TransactionSealer::TransactionSealer(std::string_view master_key, Clock& clock, Random& random)
    : aead_(MakeAead(master_key)), clock_(clock), random_(random) {}

std::string TransactionSealer::Seal(LoginTransaction& tx) const {
  if (tx.id.empty()) {
    tx.id = Base64UrlEncode(random_.Bytes(16));
    tx.created_at = clock_.NowSeconds();
    tx.expires_at = tx.created_at + kTransactionLifetime;
  }
  return Base64UrlEncode(aead_.Seal(ToJson(tx), kPurpose, random_));
}

Result<LoginTransaction> TransactionSealer::Open(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenLength) return InvalidArgumentError("transaction token missing or too long");
  auto sealed = Base64UrlDecode(token);
  if (!sealed) return InvalidArgumentError("transaction token is not base64url");
  auto json = aead_.Open(*sealed, kPurpose);
  if (!json.ok()) return InvalidArgumentError("transaction token does not open (tampered or foreign)");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*json, ec);
  if (ec || !v.is_object()) return InvalidArgumentError("transaction token content is malformed");
  const auto& o = v.get_object();
  LoginTransaction tx;
  tx.id = Str(o, "i");
  tx.client_id = Str(o, "c");
  tx.redirect_uri = Str(o, "r");
  if (auto* sc = o.if_contains("sc"); sc != nullptr && sc->is_array()) {
    for (const auto& s : sc->get_array()) {
      if (s.is_string()) tx.scopes.emplace_back(s.get_string());
    }
  }
  tx.state = Str(o, "st");
  tx.nonce = Str(o, "n");
  tx.code_challenge = Str(o, "cc");
  const auto prompt = Int(o, "p");
  tx.prompt = {.none = (prompt & 1) != 0, .login = (prompt & 2) != 0, .consent = (prompt & 4) != 0,
               .select_account = (prompt & 8) != 0, .create = (prompt & 16) != 0};
  if (o.contains("ma")) tx.max_age = Int(o, "ma");
  tx.response_mode = o.contains("fp") ? ResponseMode::kFormPost : ResponseMode::kQuery;
  tx.organization_id = Str(o, "o");
  tx.connection_id = Str(o, "cn");
  tx.login_hint = Str(o, "lh");
  tx.domain_hint = Str(o, "dh");
  tx.provider = Str(o, "pv");
  tx.name = Str(o, "nm");
  tx.created_at = Int(o, "t0");
  tx.expires_at = Int(o, "t1");
  if (tx.id.empty() || tx.client_id.empty() || tx.redirect_uri.empty()) {
    return InvalidArgumentError("transaction token content is incomplete");
  }
  if (clock_.NowSeconds() >= tx.expires_at) return FailedPreconditionError("transaction expired");
  return tx;
}

}  // namespace gatehouse::oauth
