// Finish's checks on a SAML Response (saml.h). The document is parsed once, here, and every
// value used (NameID, attributes, times) is read from the same tree whose signatures were
// verified, from the one Assertion the signature covers: no second parse that could disagree,
// no lookup that an attacker's extra assertion could satisfy (signature wrapping).
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "connectors/sso/saml_dom.h"
#include "connectors/sso/saml_internal.h"

namespace gatehouse::connectors::sso::saml_internal {
namespace {

constexpr std::string_view kStatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr std::string_view kBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
constexpr std::string_view kNameIdEmail = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

UpstreamError Error(std::string_view code, std::string description) {
  return UpstreamError{std::string(code), std::move(description)};
}
UpstreamError Invalid(std::string d) { return Error(upstream_error::kInvalidSamlResponse, std::move(d)); }
UpstreamError BadSignature(std::string d) { return Error(upstream_error::kSignatureValidationFailed, std::move(d)); }
UpstreamError Expired(std::string d) { return Error(upstream_error::kAssertionExpired, std::move(d)); }

// The last segment of a status URN, letters only, for an ASCII description ("AuthnFailed").
std::string StatusName(std::string_view urn) {
  const auto colon = urn.rfind(':');
  std::string out;
  for (char c : urn.substr(colon == std::string_view::npos ? 0 : colon + 1)) {
    if (std::isalpha(static_cast<unsigned char>(c)) && out.size() < 40) out += c;
  }
  return out.empty() ? "unknown" : out;
}

const std::map<std::string, std::vector<std::string>>& DefaultMapping() {
  static const auto* m = new std::map<std::string, std::vector<std::string>>{
      {"email",
       {"email", "mail", "emailAddress", "urn:oid:0.9.2342.19200300.100.1.3", "urn:oid:1.2.840.113549.1.9.1.1",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}},
      {"given_name",
       {"givenName", "given_name", "firstName", "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"}},
      {"family_name",
       {"sn", "surname", "family_name", "lastName", "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"}},
      {"name",
       {"displayName", "name", "cn", "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.microsoft.com/identity/claims/displayname"}},
      {"groups",
       {"groups", "memberOf", "isMemberOf", "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "http://schemas.xmlsoap.org/claims/Group"}},
  };
  return *m;
}

struct Attribute {
  std::string name;
  std::string friendly_name;
  std::vector<std::string> values;
};

// The values of the attribute mapped to `field`: the configured name, or the defaults in order.
const std::vector<std::string>* Mapped(const std::vector<Attribute>& attrs, const ResponseExpectations& expect,
                                       const std::string& field) {
  std::vector<std::string> names;
  if (auto it = expect.attribute_mapping.find(field); it != expect.attribute_mapping.end()) {
    names = {it->second};
  } else {
    names = DefaultMapping().at(field);
  }
  for (const std::string& n : names) {
    for (const Attribute& a : attrs) {
      if ((a.name == n || (!a.friendly_name.empty() && a.friendly_name == n)) && !a.values.empty()) return &a.values;
    }
  }
  return nullptr;
}

bool LooksLikeEmail(std::string_view s) {
  const auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() && s.find('@', at + 1) == std::string_view::npos &&
         std::none_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string RawJson(const std::vector<Attribute>& attrs, const std::vector<const Attribute*>& mapped) {
  auto render = [](auto&& list) {
    boost::json::object o;
    for (const Attribute* a : list) {
      boost::json::array values;
      for (const std::string& v : a->values) values.emplace_back(v);
      o[a->name] = std::move(values);
    }
    return boost::json::serialize(o);
  };
  std::vector<const Attribute*> all;
  for (const Attribute& a : attrs) all.push_back(&a);
  std::string json = render(all);
  if (json.size() <= kMaxRawJsonBytes) return json;
  json = render(mapped);
  return json.size() <= kMaxRawJsonBytes ? json : "{}";
}

enum class SignatureState { kAbsent, kValid };

// The XML-DSig algorithms a signature may use (RFC 6931 names). SHA-1 (collisions are practical)
// only when the connection says so; anything else (HMAC, DSA, MD5, unknown) never.
bool IsAllowedSignatureMethod(std::string_view alg, bool allow_sha1) {
  static constexpr std::string_view kAllowed[] = {
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",   "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",   "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
      "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
  };
  for (std::string_view a : kAllowed) {
    if (alg == a) return true;
  }
  return allow_sha1 && alg == "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
}

bool IsAllowedDigestMethod(std::string_view alg, bool allow_sha1) {
  return alg == "http://www.w3.org/2001/04/xmlenc#sha256" || alg == "http://www.w3.org/2001/04/xmldsig-more#sha384" ||
         alg == "http://www.w3.org/2001/04/xmlenc#sha512" ||
         (allow_sha1 && alg == "http://www.w3.org/2000/09/xmldsig#sha1");
}

// The enveloped signature of `node` (the Response or the Assertion), if any. Its one Reference
// must point at `node` by an ID that no other element of the document carries, so that what
// xmlsec verified is `node` itself and not a look-alike elsewhere in the tree.
std::variant<SignatureState, UpstreamError> CheckSignature(xmlNode* node, const std::map<std::string, int>& id_counts,
                                                           bool allow_sha1, SignatureVerifier verify, void* ctx) {
  const std::vector<xmlNode*> sigs = Children(node, kNsDsig, "Signature");
  if (sigs.empty()) return SignatureState::kAbsent;
  const char* what = reinterpret_cast<const char*>(node->name);
  if (sigs.size() > 1) return BadSignature(std::string(what) + " has more than one signature");
  const std::string id = Attr(node, "ID").value_or("");
  if (id.empty()) return BadSignature(std::string("signed ") + what + " has no ID");
  if (auto it = id_counts.find(id); it == id_counts.end() || it->second != 1) {
    return BadSignature(std::string(what) + " ID is not unique in the document");
  }
  xmlNode* signed_info = FirstChild(sigs[0], kNsDsig, "SignedInfo");
  const std::vector<xmlNode*> refs = Children(signed_info, kNsDsig, "Reference");
  if (refs.size() != 1 || Attr(refs[0], "URI").value_or("") != "#" + id) {
    return BadSignature(std::string("the signature does not reference the ") + what);
  }
  const std::string method = Attr(FirstChild(signed_info, kNsDsig, "SignatureMethod"), "Algorithm").value_or("");
  const std::string digest = Attr(FirstChild(refs[0], kNsDsig, "DigestMethod"), "Algorithm").value_or("");
  if (!IsAllowedSignatureMethod(method, allow_sha1) || !IsAllowedDigestMethod(digest, allow_sha1)) {
    return BadSignature(std::string("the ") + what + " signature uses " + method + " with " + digest +
                        " (SHA-256 or stronger is required; allow_sha1 accepts RSA-SHA1 from a legacy IdP)");
  }
  if (verify(ctx, node, id) != 0) return BadSignature(std::string("the ") + what + " signature does not verify");
  return SignatureState::kValid;
}

// Conditions and subject-confirmation times. `not_on_or_after` collects the bounds seen.
std::optional<UpstreamError> CheckTimes(const xmlNode* node, const ResponseExpectations& expect, bool require_end,
                                        std::vector<UnixSeconds>& not_on_or_after) {
  const auto nb = Attr(node, "NotBefore");
  const auto na = Attr(node, "NotOnOrAfter");
  if (nb) {
    const auto t = ParseXsDateTime(*nb);
    if (!t) return Invalid("NotBefore is not a dateTime");
    if (expect.now + expect.clock_skew_seconds < *t) return Expired("the assertion is not yet valid");
  }
  if (na) {
    const auto t = ParseXsDateTime(*na);
    if (!t) return Invalid("NotOnOrAfter is not a dateTime");
    if (expect.now - expect.clock_skew_seconds >= *t) return Expired("the assertion has expired");
    not_on_or_after.push_back(*t);
  } else if (require_end) {
    return Invalid("SubjectConfirmationData has no NotOnOrAfter");
  }
  return std::nullopt;
}

std::optional<UpstreamError> CheckConfirmation(const xmlNode* sc, const ResponseExpectations& expect,
                                               std::vector<UnixSeconds>& not_on_or_after) {
  const xmlNode* data = FirstChild(sc, kNsAssertion, "SubjectConfirmationData");
  if (data == nullptr) return Invalid("bearer SubjectConfirmation has no SubjectConfirmationData");
  if (Attr(data, "Recipient").value_or("") != expect.acs_url) return Invalid("Recipient is not this ACS");
  const auto irt = Attr(data, "InResponseTo");
  if (expect.request_id.empty() ? irt.has_value() : (irt && *irt != expect.request_id)) {
    return Invalid("SubjectConfirmationData InResponseTo does not match the request");
  }
  return CheckTimes(data, expect, /*require_end=*/true, not_on_or_after);
}

}  // namespace

Outcome CheckResponse(std::string_view xml, const ResponseExpectations& expect, SignatureVerifier verify,
                      void* verify_context) {
  XmlDocPtr doc = ParseXml(xml);
  if (!doc) return Invalid("SAMLResponse is not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsElement(root, kNsProtocol, "Response")) return Invalid("SAMLResponse is not a samlp:Response");

  // A refusal needs no signature to be believed: it grants nothing.
  const xmlNode* status_code = FirstChild(FirstChild(root, kNsProtocol, "Status"), kNsProtocol, "StatusCode");
  const std::string status = Attr(status_code, "Value").value_or("");
  if (status.empty()) return Invalid("the response has no status");
  if (status != kStatusSuccess) {
    std::string d = "the IdP did not authenticate the user (" + StatusName(status);
    if (const auto sub = Attr(FirstChild(status_code, kNsProtocol, "StatusCode"), "Value")) d += "/" + StatusName(*sub);
    return Error(upstream_error::kAuthenticationNotCompleted, d + ")");
  }

  std::vector<xmlNode*> elements;
  AllElements(root, elements);
  std::map<std::string, int> id_counts;
  std::vector<xmlNode*> assertions;
  for (xmlNode* e : elements) {
    if (auto id = Attr(e, "ID")) ++id_counts[*id];
    if (IsElement(e, kNsAssertion, "Assertion")) assertions.push_back(e);
    if (IsElement(e, kNsAssertion, "EncryptedAssertion")) return Invalid("encrypted assertions are not supported");
  }
  if (assertions.size() != 1) return Invalid("the response must carry exactly one assertion");
  xmlNode* assertion = assertions[0];
  if (assertion->parent != root) return Invalid("the assertion is not a child of the response");

  auto response_sig = CheckSignature(root, id_counts, expect.allow_sha1, verify, verify_context);
  if (auto* e = std::get_if<UpstreamError>(&response_sig)) return *e;
  auto assertion_sig = CheckSignature(assertion, id_counts, expect.allow_sha1, verify, verify_context);
  if (auto* e = std::get_if<UpstreamError>(&assertion_sig)) return *e;
  if (std::get<SignatureState>(response_sig) != SignatureState::kValid &&
      std::get<SignatureState>(assertion_sig) != SignatureState::kValid) {
    return BadSignature("neither the response nor the assertion is signed");
  }

  if (const xmlNode* issuer = FirstChild(root, kNsAssertion, "Issuer"); issuer && Text(issuer) != expect.idp_entity_id) {
    return Invalid("the response issuer is not the IdP");
  }
  if (Text(FirstChild(assertion, kNsAssertion, "Issuer")) != expect.idp_entity_id) {
    return Invalid("the assertion issuer is not the IdP");
  }
  if (const auto dest = Attr(root, "Destination"); dest && *dest != expect.acs_url) {
    return Invalid("Destination is not this ACS");
  }
  const auto in_response_to = Attr(root, "InResponseTo");
  if (expect.request_id.empty()) {
    if (!expect.allow_idp_initiated) return Invalid("IdP-initiated login is not allowed for this connection");
    if (in_response_to) return Invalid("an unsolicited response must not carry InResponseTo");
  } else if (in_response_to.value_or("") != expect.request_id) {
    return Invalid("InResponseTo does not match the request");
  }

  std::vector<UnixSeconds> not_on_or_after;
  const xmlNode* conditions = FirstChild(assertion, kNsAssertion, "Conditions");
  if (conditions == nullptr) return Invalid("the assertion has no Conditions");
  if (auto e = CheckTimes(conditions, expect, /*require_end=*/false, not_on_or_after)) return *e;
  const std::vector<xmlNode*> restrictions = Children(conditions, kNsAssertion, "AudienceRestriction");
  if (restrictions.empty()) return Invalid("the assertion has no AudienceRestriction");
  for (const xmlNode* r : restrictions) {
    const auto audiences = Children(r, kNsAssertion, "Audience");
    if (std::none_of(audiences.begin(), audiences.end(),
                     [&](const xmlNode* a) { return Text(a) == expect.sp_entity_id; })) {
      return Invalid("the assertion's Audience is not this service provider");
    }
  }

  const xmlNode* subject = FirstChild(assertion, kNsAssertion, "Subject");
  const xmlNode* name_id = FirstChild(subject, kNsAssertion, "NameID");
  const std::string subject_id = Text(name_id);
  if (subject_id.empty()) return Invalid("the assertion has no NameID");
  // At least one bearer confirmation must hold (SAML profiles §4.1.4.2); report the first failure.
  std::optional<UpstreamError> first_failure;
  bool confirmed = false;
  for (const xmlNode* sc : Children(subject, kNsAssertion, "SubjectConfirmation")) {
    if (Attr(sc, "Method").value_or("") != kBearer) continue;
    std::vector<UnixSeconds> bounds;
    if (auto e = CheckConfirmation(sc, expect, bounds)) {
      if (!first_failure) first_failure = e;
      continue;
    }
    not_on_or_after.insert(not_on_or_after.end(), bounds.begin(), bounds.end());
    confirmed = true;
    break;
  }
  if (!confirmed) return first_failure.value_or(Invalid("the assertion has no bearer SubjectConfirmation"));

  std::vector<Attribute> attrs;
  for (const xmlNode* st : Children(assertion, kNsAssertion, "AttributeStatement")) {
    for (const xmlNode* a : Children(st, kNsAssertion, "Attribute")) {
      Attribute attr{Attr(a, "Name").value_or(""), Attr(a, "FriendlyName").value_or(""), {}};
      if (attr.name.empty()) continue;
      for (const xmlNode* v : Children(a, kNsAssertion, "AttributeValue")) attr.values.push_back(Text(v));
      attrs.push_back(std::move(attr));
    }
  }

  Identity id;
  id.subject = subject_id;
  std::vector<const Attribute*> mapped;
  auto pick = [&](const std::string& field) -> const std::vector<std::string>* {
    const std::vector<std::string>* v = Mapped(attrs, expect, field);
    for (const Attribute& a : attrs) {
      if (v == &a.values) mapped.push_back(&a);
    }
    return v;
  };
  if (const auto* v = pick("email")) {
    id.email = v->front();
  } else if (LooksLikeEmail(subject_id) || Attr(name_id, "Format").value_or("") == kNameIdEmail) {
    id.email = subject_id;
  }
  id.email_verified = false;  // the login layer decides whether this IdP is trusted for email
  if (const auto* v = pick("given_name")) id.given_name = v->front();
  if (const auto* v = pick("family_name")) id.family_name = v->front();
  if (const auto* v = pick("name")) {
    id.name = v->front();
  } else if (!id.given_name.empty() || !id.family_name.empty()) {
    id.name = id.given_name + (id.given_name.empty() || id.family_name.empty() ? "" : " ") + id.family_name;
  }
  if (const auto* v = pick("groups")) id.groups = *v;
  id.raw_json = RawJson(attrs, mapped);

  // The login layer refuses this assertion ID again for as long as it would be accepted.
  id.single_use_key = Attr(assertion, "ID").value_or("");
  if (id.single_use_key.empty()) return Invalid("the assertion has no ID");
  id.single_use_until = not_on_or_after.empty()
                            ? expect.now + 600
                            : *std::min_element(not_on_or_after.begin(), not_on_or_after.end()) +
                                  expect.clock_skew_seconds;
  return id;
}

}  // namespace gatehouse::connectors::sso::saml_internal
