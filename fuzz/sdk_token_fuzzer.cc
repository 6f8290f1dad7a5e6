// libFuzzer target over the C++ SDK's handling of an attacker-controlled token: the input is the
// token string (the bearer token an application hands to Client::validate_access_token). Only the
// steps before the signature check run (no key set, no network): detail::parse_jws, the payload
// scan (detail::scan_object) and the Claims accessors over the payload, plus the base64url codec.
//
// Checked on every input, besides "no crash, no sanitizer report":
//   parse_jws (RS256/ES256 allowed, or one of them, or with names it does not know; the access
//   token typ required and not)
//     - accepts exactly when an independent reference accepts: at most 16 KiB, three parts, each
//       strict base64url (encoding.h's one-character-at-a-time decoder), the header an object
//       (boost::json::parse) whose last "alg" is a string that is RS256 or ES256 and allowed, whose
//       last "kid" is a string, with none of crit/jku/jwk/x5u/x5c, and (when required) whose last
//       "typ" is at+jwt or application/at+jwt in any case;
//     - on success: signing_input is the token up to (not including) its last '.', alg is the
//       header's, kid is the header's, signature and payload are the decoded parts;
//     - on failure: kInvalidToken with one of parse_jws's fixed messages (never a piece of the token);
//     - the same answer whether the header was decoded afresh or taken from the per-thread memo;
//       requiring the typ only ever turns an acceptance into a refusal.
//   scan_object over the decoded payload (a visitor that records every call)
//     - the calls come in the documented order (one value per member, elements only in arrays),
//       and none at all for a document that is JSON but not an object (a root array);
//     - true exactly when boost::json::parse gives an object; then, for every key, the last
//       occurrence the scan saw equals the parsed object's member (strings, int64 exactly, other
//       numbers as doubles, the string elements of arrays, and "other" for objects/bools/null).
//   Claims over the payload (as validate.cc builds them), for exp, aud, scope, scopes, iss, sub,
//   a key seen in the payload and a name cut from the input:
//     - contains/string/integer/boolean/strings/scopes agree with the parsed object and with
//       claims.h's documented meaning; the scan's last integer "exp" equals Claims::integer("exp");
//     - json() is the payload's text exactly when the scan says the payload is an object, and "{}"
//       (no claims at all) otherwise.
//   base64url
//     - decode(encode(x)) == x for the input bytes x; decode(input) fails or re-encodes to exactly
//       the input (one accepted spelling per byte string); the same for standard base64's round trip.
//
// Not checked because parse_jws does not promise it: a non-empty kid ("kid":"" is a string, and
// parse_jwks accepts a key whose kid is "") or a non-empty signature (verify_jws_signature refuses
// any signature whose length is not the key's).
//
// A custom mutator decodes one part of the token, lets libFuzzer mutate the JSON (or bytes)
// inside, and encodes it again, so that the fuzzer reaches the header and payload scanners
// instead of mostly producing bad base64url; a quarter of the mutations work on the raw token.
//
// Built by scripts/fuzz with clang++ -fsanitize=fuzzer,address,undefined.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "claims_data.h"
#include "encoding.h"
#include "gatehouse/claims.h"
#include "invariant.h"
#include "jose_scan.h"
#include "jwt.h"

namespace {

namespace json = boost::json;
namespace detail = gatehouse::sdk::detail;
using gatehouse::sdk::Claims;

std::uint64_t Fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325u;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3u;
  return h;
}

std::vector<std::string_view> SplitDots(std::string_view s) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t dot = s.find('.');
    parts.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    s.remove_prefix(dot + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// parse_jws against a reference built from boost::json::parse and encoding.h.

struct Reference {
  bool ok = false;
  std::string kid;
  detail::JwsAlg alg = detail::JwsAlg::kRS256;
  std::string payload;
  std::string signature;
};

bool LowerEquals(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + ('a' - 'A')) : s[i];
    if (c != lower[i]) return false;
  }
  return true;
}

Reference ReferenceParse(std::string_view token, const std::vector<std::string>& algorithms, bool access_token_typ) {
  Reference r;
  if (token.size() > detail::kMaxTokenBytes) return r;
  const std::vector<std::string_view> parts = SplitDots(token);
  if (parts.size() != 3) return r;
  std::optional<std::string> header = detail::base64url_decode(parts[0]);
  std::optional<std::string> payload = detail::base64url_decode(parts[1]);
  std::optional<std::string> signature = detail::base64url_decode(parts[2]);
  if (!header || !payload || !signature) return r;
  json::error_code ec;
  const json::value h = json::parse(*header, ec);
  if (ec || !h.is_object()) return r;
  const json::object& o = h.get_object();
  for (const char* refused : {"crit", "jku", "jwk", "x5u", "x5c"}) {
    if (o.contains(refused)) return r;
  }
  const json::value* alg = o.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return r;
  const std::string_view alg_name = alg->get_string();
  if (alg_name == "RS256") {
    r.alg = detail::JwsAlg::kRS256;
  } else if (alg_name == "ES256") {
    r.alg = detail::JwsAlg::kES256;
  } else {
    return r;
  }
  bool allowed = false;
  for (const std::string& a : algorithms) allowed = allowed || a == alg_name;
  if (!allowed) return r;
  const json::value* kid = o.if_contains("kid");
  if (kid == nullptr || !kid->is_string()) return r;
  if (access_token_typ) {
    const json::value* typ = o.if_contains("typ");
    if (typ == nullptr || !typ->is_string()) return r;
    const std::string_view t = typ->get_string();
    if (!LowerEquals(t, "at+jwt") && !LowerEquals(t, "application/at+jwt")) return r;
  }
  r.ok = true;
  r.kid = std::string(kid->get_string());
  r.payload = std::move(*payload);
  r.signature = std::move(*signature);
  return r;
}

// A copy of what parse_jws returned (its kid and signature only live until the next call).
struct Outcome {
  bool ok = false;
  std::string error;
  std::size_t signing_input_size = 0;
  std::string kid;
  detail::JwsAlg alg = detail::JwsAlg::kRS256;
  std::string signature;
  std::string payload;

  bool operator==(const Outcome& o) const {
    return ok == o.ok && error == o.error && signing_input_size == o.signing_input_size && kid == o.kid &&
           alg == o.alg && signature == o.signature && (!ok || payload == o.payload);
  }
};

Outcome RunParseJws(std::string_view token, const std::vector<std::string>& algorithms, bool access_token_typ) {
  const detail::JwsRequirements requirements{&algorithms, access_token_typ};
  std::string payload = "left over from an earlier call";
  gatehouse::sdk::Result<detail::ParsedJws> r = detail::parse_jws(token, requirements, payload);
  const Reference ref = ReferenceParse(token, algorithms, access_token_typ);
  Outcome out;
  out.ok = r.ok();
  CHECK(out.ok == ref.ok, r.ok() ? std::string_view("accepted, reference refuses") : r.error().message);
  if (!r.ok()) {
    const gatehouse::sdk::Error& e = r.error();
    CHECK(e.code == gatehouse::sdk::ErrorCode::kInvalidToken, e.message);
    CHECK(e.http_status == 0 && e.oauth_error.empty() && e.oauth_error_description.empty(), e.message);
    // The message names the check, never the token: it is one of a fixed few.
    static const std::set<std::string, std::less<>> kMessages{
        "token: longer than 16 KiB",
        "token: not a compact JWS (three dot-separated parts)",
        "token: a part is not base64url",
        "token: header is not a JSON object",
        "token: header has no alg",
        "token: algorithm not allowed (RS256 or ES256 as configured)",
        "token: header parameter \"crit\" refused",
        "token: header parameter \"jku\" refused",
        "token: header parameter \"jwk\" refused",
        "token: header parameter \"x5u\" refused",
        "token: header parameter \"x5c\" refused",
        "token: header has no kid",
        "token: typ is not at+jwt (not an access token)",
    };
    CHECK(kMessages.contains(e.message), e.message);
    out.error = e.message;
    return out;
  }
  const detail::ParsedJws& jws = *r;
  const std::size_t last_dot = token.rfind('.');
  CHECK(last_dot != std::string_view::npos);
  CHECK(jws.signing_input.data() == token.data(), "signing_input does not start the token");
  CHECK(jws.signing_input.size() == last_dot, "signing_input does not end at the last dot");
  CHECK(jws.alg == detail::JwsAlg::kRS256 || jws.alg == detail::JwsAlg::kES256);
  CHECK(jws.alg == ref.alg, "alg is not the header's");
  CHECK(jws.kid == ref.kid, jws.kid);
  CHECK(jws.signature == ref.signature, "signature is not the decoded third part");
  CHECK(payload == ref.payload, "payload is not the decoded second part");
  out.signing_input_size = jws.signing_input.size();
  out.kid = std::string(jws.kid);
  out.alg = jws.alg;
  out.signature = std::string(jws.signature);
  out.payload = std::move(payload);
  return out;
}

// Decoding a different header clears the per-thread memo, so that the next call decodes afresh.
void ForgetHeaderMemo() {
  static const std::vector<std::string> kAlgorithms{"RS256"};
  std::string payload;
  // Header {"alg":"HS256"} (refused): only the memo changes.
  (void)detail::parse_jws("eyJhbGciOiJIUzI1NiJ9.e30.", detail::JwsRequirements{&kAlgorithms, false}, payload);
}

// ---------------------------------------------------------------------------------------------
// scan_object with a visitor that records every call.

struct Seen {
  enum class Kind { kPending, kString, kNumber, kArray, kOther };
  std::string key;
  Kind kind = Kind::kPending;
  std::string string;
  std::int64_t i = 0;
  bool is_int = false;
  double d = 0;
  std::vector<std::string> elements;  // kArray: its string elements
};

struct RecordingVisitor {
  std::vector<Seen> members;

  Seen& value() {
    CHECK(!members.empty() && members.back().kind == Seen::Kind::kPending, "a value without its key");
    return members.back();
  }
  void on_member(std::string_view key) {
    CHECK(members.empty() || members.back().kind != Seen::Kind::kPending, key);  // two keys in a row
    members.emplace_back().key = key;
  }
  void on_string(std::string_view s) {
    Seen& m = value();
    m.kind = Seen::Kind::kString;
    m.string = std::string(s);
  }
  void on_number(std::int64_t i, bool is_int, double d) {
    Seen& m = value();
    m.kind = Seen::Kind::kNumber;
    CHECK(is_int || i == 0);
    if (is_int) CHECK(d == static_cast<double>(i));
    m.i = i;
    m.is_int = is_int;
    m.d = d;
  }
  void on_array_begin() { value().kind = Seen::Kind::kArray; }
  void on_element_string(std::string_view s) {
    CHECK(!members.empty() && members.back().kind == Seen::Kind::kArray, s);  // an element outside an array
    members.back().elements.emplace_back(s);
  }
  void on_other() { value().kind = Seen::Kind::kOther; }

  const Seen* last(std::string_view key) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
      if (it->key == key) return &*it;
    }
    return nullptr;
  }
};

bool SameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void CheckSeenAgainstParsed(const Seen& m, const json::value& v) {
  switch (m.kind) {
    case Seen::Kind::kPending:
      fuzz_support::Fail("a member without a value", m.key);
    case Seen::Kind::kString:
      CHECK(v.is_string(), m.key);
      CHECK(v.get_string() == m.string, m.key);
      break;
    case Seen::Kind::kNumber:
      if (v.is_int64()) {
        CHECK(m.is_int && m.i == v.get_int64(), m.key);
      } else if (v.is_uint64()) {
        CHECK(!m.is_int && m.d == static_cast<double>(v.get_uint64()), m.key);
      } else {
        CHECK(v.is_double(), m.key);
        // Boost.JSON 1.81 reads 0e999 as NaN (0 times an infinite power of ten): the same NaN both ways.
        CHECK(!m.is_int && SameDouble(m.d, v.get_double()), m.key);
      }
      break;
    case Seen::Kind::kArray: {
      CHECK(v.is_array(), m.key);
      std::vector<std::string> strings;
      for (const json::value& e : v.get_array()) {
        if (e.is_string()) strings.emplace_back(e.get_string());
      }
      CHECK(strings == m.elements, m.key);
      break;
    }
    case Seen::Kind::kOther:
      CHECK(v.is_object() || v.is_bool() || v.is_null(), m.key);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Claims against the parsed payload.

void CheckClaim(const Claims& claims, const json::object* object, std::string_view name) {
  const json::value* v = object == nullptr ? nullptr : object->if_contains(name);
  CHECK(claims.contains(name) == (v != nullptr), name);

  const std::optional<std::string> s = claims.string(name);
  CHECK(s.has_value() == (v != nullptr && v->is_string()), name);
  if (s) CHECK(*s == v->get_string(), name);

  const std::optional<std::int64_t> i = claims.integer(name);
  if (i) {
    CHECK(v != nullptr, name);
    if (v->is_int64()) {
      CHECK(*i == v->get_int64(), name);
    } else if (v->is_uint64()) {
      CHECK(static_cast<std::uint64_t>(*i) == v->get_uint64(), name);
    } else {
      CHECK(v->is_double(), name);
      CHECK(static_cast<double>(*i) == v->get_double(), name);
    }
  } else if (v != nullptr) {
    // Absent only when the number is not an integer or out of int64's range.
    CHECK(!v->is_int64(), name);
    if (v->is_uint64()) CHECK(v->get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (v->is_double()) {
      const double d = v->get_double();
      CHECK(!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9.2e18, name);
    }
  }

  const std::optional<bool> b = claims.boolean(name);
  CHECK(b.has_value() == (v != nullptr && v->is_bool()), name);
  if (b) CHECK(*b == v->get_bool(), name);

  std::vector<std::string> want;
  if (v != nullptr && v->is_string()) want.emplace_back(v->get_string());
  if (v != nullptr && v->is_array()) {
    for (const json::value& e : v->get_array()) {
      if (e.is_string()) want.emplace_back(e.get_string());
    }
  }
  CHECK(claims.strings(name) == want, name);
}

void CheckScopes(const Claims& claims, const json::object* object) {
  const std::vector<std::string> got = claims.scopes();
  const json::value* scopes = object == nullptr ? nullptr : object->if_contains("scopes");
  if (scopes != nullptr && scopes->is_array()) {
    CHECK(got == claims.strings("scopes"), "scopes");
    return;
  }
  const json::value* scope = object == nullptr ? nullptr : object->if_contains("scope");
  if (scope == nullptr || !scope->is_string()) {
    CHECK(got.empty(), "scope");
    return;
  }
  // The words of the "scope" string, in order: joined with single spaces they give the string
  // with its runs of spaces squeezed and its leading and trailing spaces dropped.
  std::string joined;
  for (const std::string& w : got) {
    CHECK(!w.empty() && w.find(' ') == std::string::npos, w);
    if (!joined.empty()) joined += ' ';
    joined += w;
  }
  std::string squeezed;
  for (char c : std::string_view(scope->get_string())) {
    if (c == ' ' && (squeezed.empty() || squeezed.back() == ' ')) continue;
    squeezed += c;
  }
  if (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
  CHECK(joined == squeezed, squeezed);
}

void CheckPayload(std::string_view payload, std::string_view input, std::uint64_t hash) {
  RecordingVisitor visitor;
  const bool is_object = detail::scan_object(payload, visitor);

  json::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  const bool parsed_object = !ec && parsed.is_object();
  CHECK(is_object == parsed_object, is_object ? "scan accepts what boost::json::parse refuses" : "scan refuses an object");
  const json::object* object = parsed_object ? &parsed.get_object() : nullptr;
  if (!ec && !parsed_object) CHECK(visitor.members.empty(), visitor.members.front().key);

  if (is_object) {
    CHECK(visitor.members.empty() || visitor.members.back().kind != Seen::Kind::kPending);
    // Every key seen, its last occurrence being the parsed member; nothing parsed that was not seen.
    for (const Seen& m : visitor.members) {
      const json::value* v = object->if_contains(m.key);
      CHECK(v != nullptr, m.key);
      if (visitor.last(m.key) == &m) CheckSeenAgainstParsed(m, *v);
    }
    for (const auto& kv : *object) CHECK(visitor.last(kv.key()) != nullptr, kv.key());
  }

  const Claims claims(std::make_shared<const detail::ClaimsData>(std::string(payload)));
  std::vector<std::string> names{"exp", "aud", "scope", "scopes", "iss", "sub", ""};
  if (!visitor.members.empty()) names.push_back(visitor.members[hash % visitor.members.size()].key);
  if (!input.empty()) {
    const std::size_t at = (hash >> 8) % input.size();
    names.emplace_back(input.substr(at, (hash >> 24) % 16));
  }
  for (const std::string& name : names) CheckClaim(claims, object, name);
  CheckScopes(claims, object);

  if (is_object) {
    const Seen* exp = visitor.last("exp");
    if (exp != nullptr && exp->kind == Seen::Kind::kNumber && exp->is_int) {
      CHECK(claims.integer("exp") == exp->i, "exp: scan and Claims disagree");
    }
  }

  const std::string text = claims.json();
  CHECK(!text.empty());
  if (!is_object) {
    CHECK(text == "{}", text);
    return;
  }
  // The payload's own text (a re-serialization would write 1e400 as Infinity, not JSON).
  CHECK(text == payload, text);
}

// ---------------------------------------------------------------------------------------------

void CheckBase64(std::string_view input) {
  const std::string encoded = detail::base64url_encode(input);
  CHECK(encoded.find_first_of("+/=") == std::string::npos, encoded);
  const std::optional<std::string> back = detail::base64url_decode(encoded);
  CHECK(back.has_value() && *back == input, "base64url round trip");

  const std::optional<std::string> decoded = detail::base64url_decode(input);
  if (decoded) CHECK(detail::base64url_encode(*decoded) == input, "base64url accepts a second spelling");

  const std::string standard = detail::base64_encode(input);
  CHECK(standard.size() % 4 == 0, standard);
  const std::optional<std::string> standard_back = detail::base64_decode(standard);
  CHECK(standard_back.has_value() && *standard_back == input, "base64 round trip");
  // Unpadded and loose (trailing bits): still no more bytes than the text can carry.
  if (const std::optional<std::string> loose = detail::base64_decode(input)) CHECK(loose->size() <= input.size() * 3 / 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  const std::uint64_t hash = Fnv1a(token);

  static const std::vector<std::string> kAlgorithmLists[] = {
      {"RS256", "ES256"}, {"ES256", "RS256"}, {"RS256"}, {"ES256"}, {"none", "HS256", "RS256", "PS256", "ES256"},
  };
  const std::vector<std::string>& algorithms = kAlgorithmLists[(hash >> 1) % 8 % 5];
  const bool typ = (hash & 1) != 0;

  // First with the header decoded afresh, then again (the memo), then with the other typ rule.
  ForgetHeaderMemo();
  const Outcome fresh = RunParseJws(token, algorithms, typ);
  const Outcome memo = RunParseJws(token, algorithms, typ);
  CHECK(fresh == memo, "the header memo changes the answer");
  const Outcome other = RunParseJws(token, algorithms, !typ);
  const Outcome& with_typ = typ ? fresh : other;
  const Outcome& without_typ = typ ? other : fresh;
  if (with_typ.ok) CHECK(without_typ.ok && without_typ == with_typ, "requiring the typ changed an accepted token");

  // The payload as validate.cc would read it; when parse_jws refuses the token, the middle part
  // when it decodes at all (the payload code must not rely on the header's checks).
  if (fresh.ok) {
    CheckPayload(fresh.payload, token, hash);
  } else {
    const std::vector<std::string_view> parts = SplitDots(token);
    if (parts.size() >= 2) {
      if (std::optional<std::string> payload = detail::base64url_decode(parts[1])) CheckPayload(*payload, token, hash);
    }
  }

  CheckBase64(token);
  return 0;
}

// Mutates the decoded JSON (or bytes) of one part, most of the time; the raw token otherwise.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  if (rng() % 4 == 0 || size == 0) return LLVMFuzzerMutate(data, size, max_size);
  const std::string token(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> parts = SplitDots(token);
  const std::size_t k = rng() % std::min<std::size_t>(parts.size(), 3);
  std::optional<std::string> decoded = detail::base64url_decode(parts[k]);
  if (!decoded) return LLVMFuzzerMutate(data, size, max_size);

  // Room for the decoded part: what the rest of the token leaves, as base64url carries 3 bytes in 4.
  const std::size_t others = size - parts[k].size();
  if (others >= max_size) return LLVMFuzzerMutate(data, size, max_size);
  const std::size_t room = (max_size - others) / 4 * 3;
  if (room == 0 || room < decoded->size()) return LLVMFuzzerMutate(data, size, max_size);
  std::string part = std::move(*decoded);
  const std::size_t used = part.size();
  part.resize(room);
  part.resize(LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(part.data()), used, room));

  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '.';
    if (i == k) {
      out += detail::base64url_encode(part);
    } else {
      out += parts[i];
    }
  }
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
