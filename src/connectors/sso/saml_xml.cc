// libxml2 helpers, metadata in and out, and xs:dateTime for the SAML connector.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cctype>
#include <string>

#include "common/encoding.h"
#include "common/strings.h"
#include "common/url.h"
#include "connectors/sso/saml_dom.h"
#include "connectors/sso/saml_internal.h"

namespace gatehouse::connectors::sso::saml_internal {
namespace {

std::string_view View(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string Trim(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long DaysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

XmlDocPtr ParseXml(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) return nullptr;
  return XmlDocPtr(xmlReadMemory(text.data(), static_cast<int>(text.size()), "saml.xml", nullptr,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

bool IsElement(const xmlNode* node, std::string_view ns, std::string_view local) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && View(node->name) == local && node->ns != nullptr &&
         View(node->ns->href) == ns;
}

std::vector<xmlNode*> Children(const xmlNode* node, std::string_view ns, std::string_view local) {
  std::vector<xmlNode*> out;
  if (node == nullptr) return out;
  for (xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsElement(c, ns, local)) out.push_back(c);
  }
  return out;
}

xmlNode* FirstChild(const xmlNode* node, std::string_view ns, std::string_view local) {
  if (node == nullptr) return nullptr;
  for (xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsElement(c, ns, local)) return c;
  }
  return nullptr;
}

std::optional<std::string> Attr(const xmlNode* node, const char* name) {
  if (node == nullptr) return std::nullopt;
  xmlAttr* a = xmlHasNsProp(node, reinterpret_cast<const xmlChar*>(name), nullptr);
  if (a == nullptr) return std::nullopt;
  xmlChar* v = xmlNodeListGetString(node->doc, a->children, 1);
  std::string s(View(v));
  xmlFree(v);
  return s;
}

std::string Text(const xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* v = xmlNodeGetContent(node);
  std::string s = Trim(View(v));
  xmlFree(v);
  return s;
}

void AllElements(xmlNode* node, std::vector<xmlNode*>& out) {
  for (xmlNode* n = node; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    out.push_back(n);
    AllElements(n->children, out);
  }
}

bool HasDtd(std::string_view xml) {
  const std::string lower = AsciiLower(xml);
  return lower.find("<!doctype") != std::string::npos || lower.find("<!entity") != std::string::npos;
}

std::string PemBody(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const auto b = pem.find(kBegin);
  const auto e = pem.find(kEnd);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) return "";
  std::string out;
  for (char c : pem.substr(b + kBegin.size(), e - b - kBegin.size())) {
    if (!IsXmlSpace(c)) out += c;
  }
  return out;
}

std::string PemFromBase64(std::string_view base64) {
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < base64.size(); i += 64) {
    out.append(base64.substr(i, 64));
    out += '\n';
  }
  return out + "-----END CERTIFICATE-----\n";
}

Result<IdpMetadata> ParseIdpMetadata(std::string_view xml) {
  if (xml.size() > kMaxIdpMetadataBytes) return InvalidArgumentError("idp_metadata_xml is larger than 512 KiB");
  if (HasDtd(xml)) return InvalidArgumentError("idp_metadata_xml must not contain a DOCTYPE or ENTITY declaration");
  XmlDocPtr doc = ParseXml(xml);
  if (!doc) return InvalidArgumentError("idp_metadata_xml is not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsElement(root, kNsMetadata, "EntityDescriptor")) {
    return InvalidArgumentError("idp_metadata_xml must be one md:EntityDescriptor");
  }
  IdpMetadata md;
  md.entity_id = Attr(root, "entityID").value_or("");
  if (md.entity_id.empty()) return InvalidArgumentError("idp_metadata_xml: EntityDescriptor has no entityID");
  xmlNode* idp = FirstChild(root, kNsMetadata, "IDPSSODescriptor");
  if (idp == nullptr) return InvalidArgumentError("idp_metadata_xml has no IDPSSODescriptor");
  for (xmlNode* sso : Children(idp, kNsMetadata, "SingleSignOnService")) {
    if (Attr(sso, "Binding").value_or("") == kBindingRedirect) {
      md.sso_redirect_url = Attr(sso, "Location").value_or("");
      break;
    }
  }
  if (md.sso_redirect_url.empty()) {
    return InvalidArgumentError("idp_metadata_xml has no HTTP-Redirect SingleSignOnService");
  }
  if (!ParseHttpUrl(md.sso_redirect_url).ok()) {
    return InvalidArgumentError("idp_metadata_xml: the HTTP-Redirect SingleSignOnService Location is not an http(s) URL");
  }
  for (xmlNode* kd : Children(idp, kNsMetadata, "KeyDescriptor")) {
    const std::string use = Attr(kd, "use").value_or("signing");
    if (use != "signing") continue;
    for (xmlNode* x509 : Children(FirstChild(FirstChild(kd, kNsDsig, "KeyInfo"), kNsDsig, "X509Data"), kNsDsig,
                                  "X509Certificate")) {
      std::string b64;
      for (char c : Text(x509)) {
        if (!IsXmlSpace(c)) b64 += c;
      }
      if (b64.empty() || !Base64Decode(b64).has_value()) {
        return InvalidArgumentError("idp_metadata_xml: an X509Certificate is not base64");
      }
      md.certificates_pem.push_back(PemFromBase64(b64));
    }
  }
  if (md.certificates_pem.empty()) return InvalidArgumentError("idp_metadata_xml has no signing certificate");
  return md;
}

std::string BuildSpMetadata(std::string_view entity_id, std::string_view acs_url, std::string_view certificate_pem) {
  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + XmlEscape(entity_id) + "\">\n";
  out += "  <md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
         "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n";
  out += "    <md:KeyDescriptor use=\"signing\">\n      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         PemBody(certificate_pem) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n    </md:KeyDescriptor>\n";
  for (const char* f : {"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"}) {
    out += std::string("    <md:NameIDFormat>") + f + "</md:NameIDFormat>\n";
  }
  out += "    <md:AssertionConsumerService Binding=\"" + std::string(kBindingPost) + "\" Location=\"" +
         XmlEscape(acs_url) + "\" index=\"0\" isDefault=\"true\"/>\n";
  out += "  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n";
  return out;
}

std::optional<UnixSeconds> ParseXsDateTime(std::string_view t) {
  // YYYY-MM-DDThh:mm:ss
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    if (pos + len > t.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return std::nullopt;
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 ||
      *s > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) ++pos;
    if (pos == start) return std::nullopt;
  }
  long long offset = 0;
  if (pos < t.size()) {
    if (t[pos] == 'Z' && pos + 1 == t.size()) {
      ++pos;
    } else if ((t[pos] == '+' || t[pos] == '-') && pos + 6 == t.size() && t[pos + 3] == ':') {
      const auto oh = num(pos + 1, 2), om = num(pos + 4, 2);
      if (!oh || !om || *oh > 14 || *om > 59) return std::nullopt;
      offset = (*oh * 3600LL + *om * 60LL) * (t[pos] == '+' ? 1 : -1);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  const long long days = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return days * 86400 + *h * 3600LL + *mi * 60LL + *s - offset;
}

}  // namespace gatehouse::connectors::sso::saml_internal
