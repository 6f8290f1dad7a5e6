// Token validation: the JWS structure and header (jwt.cc), the claims every token must satisfy
// (read with one scan of the payload, jose_scan.h), the signature, and the required scopes (only
// a verified token is "valid but lacking a scope"). The Claims parse the payload when first read.
#include <cmath>
#include <cstdint>

#include "claims_data.h"
#include "client_impl.h"
#include "jose_scan.h"
#include "jwt.h"

namespace gatehouse::sdk {
namespace {

Error invalid(std::string message) { return Error{ErrorCode::kInvalidToken, std::move(message), 0, {}, {}}; }

// Scopes are matched as bits of a mask; more required scopes than this take the slow path.
constexpr std::size_t kMaxMaskedScopes = 64;

// What the checks need from the payload, gathered in one pass with the semantics of the parsed
// object: a member given twice counts as its last occurrence; Claims::scopes() reads the
// "scopes" array when there is one, else the "scope" string split on spaces.
struct ClaimsVisitor {
  enum class Member { kOther, kExp, kNbf, kIss, kAud, kScopes, kScope };
  struct Time {
    enum class Kind { kAbsent, kNumber, kOther } kind = Kind::kAbsent;
    bool is_int = false;
    std::int64_t i = 0;
    double d = 0;
    // Integers compare exactly; other numbers (1.7e9, or beyond int64) as doubles.
    bool greater(std::int64_t t) const { return is_int ? i > t : d > static_cast<double>(t); }
  };

  // Inputs.
  std::string_view issuer;
  const std::vector<std::string>* audience = nullptr;
  const std::vector<std::string>* scopes = nullptr;  // required; at most kMaxMaskedScopes

  Member current = Member::kOther;
  Time exp, nbf;
  bool iss_ok = false;
  bool aud_ok = false;
  bool scopes_is_array = false;
  std::uint64_t scopes_mask = 0;  // from the "scopes" array
  std::uint64_t scope_mask = 0;   // from the "scope" string

  std::uint64_t scope_bits(std::string_view granted) const {
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < scopes->size(); ++k) {
      if ((*scopes)[k] == granted) bits |= std::uint64_t{1} << k;
    }
    return bits;
  }
  bool audience_has(std::string_view s) const {
    for (const std::string& a : *audience) {
      if (a == s) return true;
    }
    return false;
  }

  void on_member(std::string_view key) {
    if (key == "exp") {
      current = Member::kExp;
      exp = {};
    } else if (key == "nbf") {
      current = Member::kNbf;
      nbf = {};
    } else if (key == "iss") {
      current = Member::kIss;
      iss_ok = false;
    } else if (key == "aud") {
      current = Member::kAud;
      aud_ok = false;
    } else if (key == "scopes") {
      current = Member::kScopes;
      scopes_is_array = false;
      scopes_mask = 0;
    } else if (key == "scope") {
      current = Member::kScope;
      scope_mask = 0;
    } else {
      current = Member::kOther;
    }
  }
  void not_a_number() {
    if (current == Member::kExp) exp.kind = Time::Kind::kOther;
    if (current == Member::kNbf) nbf.kind = Time::Kind::kOther;
  }
  void on_string(std::string_view s) {
    not_a_number();
    if (current == Member::kIss) iss_ok = s == issuer;
    if (current == Member::kAud && audience != nullptr) aud_ok = audience_has(s);
    if (current == Member::kScope && scopes != nullptr) {
      while (!s.empty()) {
        const std::size_t space = s.find(' ');
        scope_mask |= scope_bits(s.substr(0, space));
        if (space == std::string_view::npos) break;
        s.remove_prefix(space + 1);
      }
    }
  }
  void on_number(std::int64_t i, bool is_int, double d) {
    Time* t = current == Member::kExp ? &exp : current == Member::kNbf ? &nbf : nullptr;
    if (t == nullptr) return;
    // 1e400 reads as infinity and 0e999-style forms may read as NaN: neither is a time (an exp
    // that never comes, an nbf every comparison lets through).
    if (!is_int && !std::isfinite(d)) {
      t->kind = Time::Kind::kOther;
      return;
    }
    *t = Time{Time::Kind::kNumber, is_int, i, d};
  }
  void on_array_begin() {
    not_a_number();
    if (current == Member::kScopes) scopes_is_array = true;
  }
  void on_element_string(std::string_view s) {
    if (current == Member::kAud && audience != nullptr) aud_ok = aud_ok || audience_has(s);
    if (current == Member::kScopes && scopes != nullptr) scopes_mask |= scope_bits(s);
  }
  void on_other() { not_a_number(); }
};

Result<Claims> validate_with(const Client::Impl& impl, std::string_view token, const TokenValidationOptions& options,
                             bool access_token) {
  if (impl.config_error) return *impl.config_error;
  // Per thread, so that its capacity stays; the Claims get their own copy.
  thread_local std::string payload;
  const detail::JwsRequirements requirements{&options.algorithms, access_token};
  Result<detail::ParsedJws> jws = detail::parse_jws(token, requirements, payload);
  if (!jws.ok()) return std::move(jws).error();

  const bool masked_scopes = options.required_scopes.size() <= kMaxMaskedScopes;
  ClaimsVisitor v;
  v.issuer = options.issuer.empty() ? std::string_view(impl.environment_url) : std::string_view(options.issuer);
  v.audience = options.audience.empty() ? nullptr : &options.audience;
  v.scopes = options.required_scopes.empty() || !masked_scopes ? nullptr : &options.required_scopes;
  if (!detail::scan_object(payload, v)) return invalid("token: payload is not a JSON object");

  const std::int64_t now = impl.now();
  const std::int64_t leeway = impl.options.leeway.count();
  using Kind = ClaimsVisitor::Time::Kind;
  if (v.exp.kind == Kind::kAbsent) return invalid("token: no exp claim");
  if (v.exp.kind == Kind::kOther) return invalid("token: exp is not a number");
  if (!v.exp.greater(now - leeway)) return Error{ErrorCode::kTokenExpired, "token: expired", 0, {}, {}};
  if (v.nbf.kind == Kind::kOther) return invalid("token: nbf is not a number");
  if (v.nbf.kind == Kind::kNumber && v.nbf.greater(now + leeway)) {
    return invalid("token: not valid yet (nbf in the future)");
  }
  if (!v.iss_ok) return invalid("token: iss is not the expected issuer");
  if (v.audience != nullptr && !v.aud_ok) return invalid("token: aud does not contain an expected audience");
  if (Status s = detail::verify_jws_signature(*jws, *impl.jwks); !s.ok()) return s.error();

  Claims claims(std::make_shared<const detail::ClaimsData>(payload));
  if (!options.required_scopes.empty()) {
    std::uint64_t granted = v.scopes_is_array ? v.scopes_mask : v.scope_mask;
    if (!masked_scopes) {
      granted = 0;  // many required scopes: compare with the parsed list instead
      const std::vector<std::string> list = claims.scopes();
      for (const std::string& want : options.required_scopes) {
        bool found = false;
        for (const std::string& g : list) found = found || g == want;
        if (!found) return Error{ErrorCode::kInsufficientScope, "token: scope \"" + want + "\" not granted", 0, {}, {}};
      }
    } else {
      for (std::size_t k = 0; k < options.required_scopes.size(); ++k) {
        if ((granted >> k & 1) == 0) {
          return Error{ErrorCode::kInsufficientScope,
                       "token: scope \"" + options.required_scopes[k] + "\" not granted", 0, {}, {}};
        }
      }
    }
  }
  return claims;
}

}  // namespace

Result<Claims> Client::validate_token(std::string_view token, const TokenValidationOptions& options) const {
  return validate_with(*impl_, token, options, false);
}

Result<Claims> Client::validate_access_token(std::string_view token, const TokenValidationOptions& options) const {
  return validate_with(*impl_, token, options, true);
}

Result<IdpInitiatedLoginClaims> Client::get_idp_initiated_login_claims(std::string_view token,
                                                                       const TokenValidationOptions& options) const {
  Result<Claims> claims = validate_with(*impl_, token, options, false);
  if (!claims.ok()) return std::move(claims).error();
  IdpInitiatedLoginClaims out;
  struct Field {
    const char* name;
    std::string* into;
  };
  for (const Field& f : {Field{"connection_id", &out.connection_id}, Field{"organization_id", &out.organization_id},
                         Field{"login_hint", &out.login_hint}, Field{"relay_state", &out.relay_state}}) {
    if (!claims->contains(f.name)) continue;
    std::optional<std::string> v = claims->string(f.name);
    if (!v) return invalid(std::string("token: ") + f.name + " is not a string");
    *f.into = std::move(*v);
  }
  return out;
}

}  // namespace gatehouse::sdk
