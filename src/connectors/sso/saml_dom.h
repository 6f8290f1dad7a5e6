// Small libxml2 helpers for the SAML connector's own reading of XML (saml_xml.cc,
// saml_response.cc). Internal.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::connectors::sso::saml_internal {

struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

// Parses text that the caller has already checked has no DTD (HasDtd): no network, no entity
// substitution, no DTD loading (the defaults, per call; no global parser setting is touched),
// no error output. nullptr when not well-formed XML.
XmlDocPtr ParseXml(std::string_view text);

bool IsElement(const xmlNode* node, std::string_view ns, std::string_view local);
// Element children of `node` with that namespace and local name, in document order.
std::vector<xmlNode*> Children(const xmlNode* node, std::string_view ns, std::string_view local);
xmlNode* FirstChild(const xmlNode* node, std::string_view ns, std::string_view local);
// An attribute without namespace; nullopt when absent.
std::optional<std::string> Attr(const xmlNode* node, const char* name);
// The text content (all descendants' text), trimmed of XML whitespace.
std::string Text(const xmlNode* node);
// Every element in the tree under (and including) `node`, document order.
void AllElements(xmlNode* node, std::vector<xmlNode*>& out);

}  // namespace gatehouse::connectors::sso::saml_internal
