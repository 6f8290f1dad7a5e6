// JWKS parsing, signature verification and the key-set cache (see jwks.h).
//
// Verification speed matters (an API validates a token per request), and OpenSSL 3 looks up
// algorithm implementations by name on every EVP_*_init call, which costs more than the digest
// itself. So SHA-256 is fetched once, each key keeps a small pool of EVP_PKEY_CTX already set up
// for verification (a context is not safe for concurrent use, hence a pool rather than one),
// and a signature check is: digest with a reused per-thread EVP_MD_CTX, EVP_PKEY_verify.
#include "jwks.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstring>

#include "encoding.h"

namespace gatehouse::sdk::detail {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;  // OpenSSL's own verification limit
constexpr std::size_t kP256CoordinateSize = 32;
constexpr std::size_t kMaxIdleContexts = 8;
constexpr auto kEmptyCacheRetry = std::chrono::seconds(1);

const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Error error(ErrorCode code, std::string message) { return Error{code, std::move(message), 0, {}, {}}; }

// SHA-256, fetched once: EVP_MD_fetch is a lock and a name lookup.
const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

// SHA-256 of `data` into `out` with this thread's reusable EVP_MD_CTX. False on failure.
bool digest_sha256(std::string_view data, unsigned char (&out)[32]) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = sha256();
  unsigned int len = 0;
  if (!ctx || md == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), out, &len) != 1 ||
      len != 32) {
    ERR_clear_error();
    return false;
  }
  return true;
}

// One unsigned big-endian integer as a DER INTEGER: leading zeros dropped (one kept for zero),
// a 0x00 prepended when the high bit is set. Returns the bytes written (at most 2 + 33).
std::size_t der_integer(unsigned char* out, const unsigned char* value, std::size_t size) {
  std::size_t skip = 0;
  while (skip + 1 < size && value[skip] == 0) ++skip;
  const bool pad = (value[skip] & 0x80) != 0;
  const std::size_t len = size - skip + (pad ? 1 : 0);
  out[0] = 0x02;
  out[1] = static_cast<unsigned char>(len);
  std::size_t at = 2;
  if (pad) out[at++] = 0x00;
  std::memcpy(out + at, value + skip, size - skip);
  return at + size - skip;
}

}  // namespace

bool parse_jws_alg(std::string_view name, JwsAlg& out) {
  if (name == "RS256") {
    out = JwsAlg::kRS256;
  } else if (name == "ES256") {
    out = JwsAlg::kES256;
  } else {
    return false;
  }
  return true;
}

struct VerifyKey::State {
  EVP_PKEY* pkey = nullptr;
  std::size_t signature_size = 0;  // RS256: the modulus size; ES256: 64
  std::mutex mu;
  std::vector<EVP_PKEY_CTX*> idle;

  ~State() {
    for (EVP_PKEY_CTX* c : idle) EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pkey);
  }

  EVP_PKEY_CTX* take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        EVP_PKEY_CTX* c = idle.back();
        idle.pop_back();
        return c;
      }
    }
    // PKCS#1 v1.5 is RSA's default padding; the signature digest makes EVP_PKEY_verify expect a
    // SHA-256 hash (and, for RSA, check the DigestInfo around it).
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    if (c == nullptr || EVP_PKEY_verify_init(c) != 1 || EVP_PKEY_CTX_set_signature_md(c, sha256()) != 1) {
      EVP_PKEY_CTX_free(c);
      ERR_clear_error();
      return nullptr;
    }
    return c;
  }

  void give_back(EVP_PKEY_CTX* c) {
    {
      std::lock_guard lock(mu);
      if (idle.size() < kMaxIdleContexts) {
        idle.push_back(c);
        return;
      }
    }
    EVP_PKEY_CTX_free(c);
  }
};

VerifyKey::VerifyKey(std::string kid, JwsAlg alg, std::unique_ptr<State> state)
    : kid_(std::move(kid)), alg_(alg), state_(std::move(state)) {}

VerifyKey::~VerifyKey() = default;

bool VerifyKey::verify(std::string_view signing_input, std::string_view signature) const {
  if (signature.size() != state_->signature_size) return false;
  unsigned char hash[32];
  if (!digest_sha256(signing_input, hash)) return false;
  unsigned char der[2 * (2 + kP256CoordinateSize + 1) + 2];
  const unsigned char* sig = u8(signature);
  std::size_t sig_len = signature.size();
  if (alg_ == JwsAlg::kES256) {
    // JWS carries R||S (RFC 7518 §3.4); OpenSSL wants the DER SEQUENCE of two INTEGERs.
    std::size_t len = der_integer(der + 2, sig, kP256CoordinateSize);
    len += der_integer(der + 2 + len, sig + kP256CoordinateSize, kP256CoordinateSize);
    der[0] = 0x30;
    der[1] = static_cast<unsigned char>(len);
    sig = der;
    sig_len = len + 2;
  }
  EVP_PKEY_CTX* ctx = state_->take();
  if (ctx == nullptr) return false;
  const int rc = EVP_PKEY_verify(ctx, sig, sig_len, hash, sizeof hash);
  if (rc != 1) ERR_clear_error();  // a bad signature queues errors; do not let them pile up
  state_->give_back(ctx);
  return rc == 1;
}

const VerifyKey* KeySet::find(std::string_view kid) const {
  for (const KeyRef& k : keys) {
    if (k->kid() == kid) return k.get();
  }
  return nullptr;
}

// Builds keys from JWK members; every "no" is a key skipped, never an error.
struct KeyParser {
  static std::optional<std::string> member(const boost::json::object& jwk, std::string_view name) {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->value().is_string()) return std::nullopt;
    return base64url_decode(it->value().get_string());
  }

  static EVP_PKEY* from_params(const char* type, OSSL_PARAM_BLD* bld) {
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* pkey = nullptr;
    if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      pkey = nullptr;
    }
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    if (pkey != nullptr) {
      // n odd and e sensible for RSA; the point on the curve and not infinity for EC.
      EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
      if (check == nullptr || EVP_PKEY_public_check(check) != 1) {
        EVP_PKEY_free(pkey);
        pkey = nullptr;
      }
      EVP_PKEY_CTX_free(check);
    }
    ERR_clear_error();
    return pkey;
  }

  static EVP_PKEY* rsa(const boost::json::object& jwk) {
    std::optional<std::string> n = member(jwk, "n");
    std::optional<std::string> e = member(jwk, "e");
    if (!n || !e || n->empty() || e->empty() || e->size() > 8) return nullptr;
    BIGNUM* nb = BN_bin2bn(u8(*n), static_cast<int>(n->size()), nullptr);
    BIGNUM* eb = BN_bin2bn(u8(*e), static_cast<int>(e->size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    EVP_PKEY* pkey = nullptr;
    if (nb != nullptr && eb != nullptr && bld != nullptr &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, nb) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, eb) == 1) {
      pkey = from_params("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(nb);
    BN_free(eb);
    if (pkey != nullptr) {
      const int bits = EVP_PKEY_get_bits(pkey);
      if (bits < kMinRsaBits || bits > kMaxRsaBits) {
        EVP_PKEY_free(pkey);
        pkey = nullptr;
      }
    }
    return pkey;
  }

  static EVP_PKEY* p256(const boost::json::object& jwk) {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || !crv->value().is_string() || crv->value().get_string() != "P-256") return nullptr;
    std::optional<std::string> x = member(jwk, "x");
    std::optional<std::string> y = member(jwk, "y");
    if (!x || !y || x->size() != kP256CoordinateSize || y->size() != kP256CoordinateSize) return nullptr;
    std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    EVP_PKEY* pkey = nullptr;
    if (bld != nullptr && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
      pkey = from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    return pkey;
  }

  static KeyRef parse(const boost::json::object& jwk) {
    auto str = [&jwk](std::string_view name) -> const boost::json::string* {
      auto it = jwk.find(name);
      return it != jwk.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
    };
    const boost::json::string* kid = str("kid");
    const boost::json::string* kty = str("kty");
    if (kid == nullptr || kty == nullptr) return nullptr;
    if (jwk.contains("use")) {
      const boost::json::string* use = str("use");
      if (use == nullptr || *use != "sig") return nullptr;
    }
    if (auto ops = jwk.find("key_ops"); ops != jwk.end()) {
      if (!ops->value().is_array()) return nullptr;
      bool verify = false;
      for (const auto& op : ops->value().get_array()) {
        verify = verify || (op.is_string() && op.get_string() == "verify");
      }
      if (!verify) return nullptr;
    }
    // A private member means whoever published this set leaks keys: use none of that key.
    for (std::string_view priv : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      if (jwk.contains(priv)) return nullptr;
    }
    JwsAlg alg;
    EVP_PKEY* pkey = nullptr;
    std::size_t signature_size = 0;
    if (*kty == "RSA") {
      alg = JwsAlg::kRS256;
    } else if (*kty == "EC") {
      alg = JwsAlg::kES256;
    } else {
      return nullptr;
    }
    if (jwk.contains("alg")) {
      const boost::json::string* name = str("alg");
      JwsAlg declared;
      if (name == nullptr || !parse_jws_alg(*name, declared) || declared != alg) return nullptr;
    }
    if (alg == JwsAlg::kRS256) {
      pkey = rsa(jwk);
      if (pkey != nullptr) signature_size = static_cast<std::size_t>(EVP_PKEY_get_size(pkey));
    } else {
      pkey = p256(jwk);
      signature_size = 2 * kP256CoordinateSize;
    }
    if (pkey == nullptr) return nullptr;
    auto state = std::make_unique<VerifyKey::State>();
    state->pkey = pkey;
    state->signature_size = signature_size;
    return KeyRef(new VerifyKey(std::string(*kid), alg, std::move(state)));
  }
};

Result<std::shared_ptr<const KeySet>> parse_jwks(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return error(ErrorCode::kInvalidResponse, "JWKS: not a JSON object");
  auto keys = doc.get_object().find("keys");
  if (keys == doc.get_object().end() || !keys->value().is_array()) {
    return error(ErrorCode::kInvalidResponse, "JWKS: no \"keys\" array");
  }
  auto set = std::make_shared<KeySet>();
  for (const auto& jwk : keys->value().get_array()) {
    if (!jwk.is_object()) continue;
    KeyRef key = KeyParser::parse(jwk.get_object());
    // Two keys with one kid: the first wins, so a later entry cannot shadow it.
    if (key && set->find(key->kid()) == nullptr) set->keys.push_back(std::move(key));
  }
  if (set->keys.empty()) return error(ErrorCode::kInvalidResponse, "JWKS: no usable RS256/ES256 signing key");
  return std::shared_ptr<const KeySet>(std::move(set));
}

namespace {

std::atomic<std::uint64_t> next_cache_id{1};

// This thread's view of one cache's key set (the last cache it used).
struct Snapshot {
  std::uint64_t cache_id = 0;
  std::uint64_t generation = 0;
  std::shared_ptr<const KeySet> keys;
};
thread_local Snapshot snapshot;

}  // namespace

JwksCache::JwksCache(const HttpClient& http, std::string url, std::chrono::seconds refresh_interval)
    : http_(http),
      url_(std::move(url)),
      refresh_interval_(refresh_interval),
      id_(next_cache_id.fetch_add(1, std::memory_order_relaxed)) {}

Result<std::shared_ptr<const KeySet>> JwksCache::fetch() {
  Result<HttpResponse> response = http_.get(url_, "JWKS");
  if (!response.ok()) return std::move(response).error();
  if (response->status != 200) {
    Error e = error(ErrorCode::kServerError, "JWKS: HTTP " + std::to_string(response->status));
    e.http_status = response->status;
    return e;
  }
  return parse_jwks(response->body);
}

Result<const VerifyKey*> JwksCache::find(std::string_view kid) {
  // keys_ is stored before generation_ is bumped, so a set loaded after reading a generation is
  // at least that new.
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  if (snapshot.cache_id != id_ || snapshot.generation != generation) {
    snapshot.keys = keys_.load(std::memory_order_acquire);
    snapshot.cache_id = id_;
    snapshot.generation = generation;
  }
  const std::shared_ptr<const KeySet> seen = snapshot.keys;
  if (seen) {
    if (const VerifyKey* key = seen->find(kid)) return key;
  }
  std::lock_guard lock(fetch_mu_);
  std::shared_ptr<const KeySet> current = keys_.load(std::memory_order_acquire);
  if (current && current != seen) {  // a fetch finished while this thread waited
    snapshot.keys = current;
    snapshot.generation = generation_.load(std::memory_order_acquire);
    if (const VerifyKey* key = current->find(kid)) return key;
  }
  const auto now = std::chrono::steady_clock::now();
  auto interval = refresh_interval_;
  if (!current) interval = std::min(interval, std::chrono::steady_clock::duration(kEmptyCacheRetry));
  const bool allowed = !attempted_ || now - last_attempt_ >= interval;
  Error unknown = error(ErrorCode::kInvalidToken, "token: unknown key id (not in the server's JWKS)");
  if (!allowed) {
    if (current) return unknown;
    return last_error_;
  }
  attempted_ = true;
  last_attempt_ = now;
  Result<std::shared_ptr<const KeySet>> fetched = fetch();
  if (!fetched.ok()) {
    last_error_ = fetched.error();
    if (!current) return last_error_;
    unknown.message += "; refreshing the JWKS failed: " + fetched.error().message;
    return unknown;
  }
  keys_.store(*fetched, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  snapshot.keys = *fetched;
  snapshot.generation = generation_.load(std::memory_order_acquire);
  if (const VerifyKey* key = snapshot.keys->find(kid)) return key;
  return unknown;
}

}  // namespace gatehouse::sdk::detail
