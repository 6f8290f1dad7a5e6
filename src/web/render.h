// The hosted pages' renderer: mustache templates from web/templates, embedded into the binary at
// build time, rendered with kainjow mustache. Every {{value}} is HTML-escaped; templates never use
// triple braces for request-derived data.
//
// Also the one place that sets the hosted pages' security headers, so no page can forget them.
// Thread safety: Render may run concurrently (templates are parsed once, at first use, under a
// lock, then shared read-only).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/request.h"
#include "http/router.h"

namespace gatehouse::web {

// A template's data: strings, booleans, lists of objects (for {{#list}}...{{/list}}), objects.
struct Data;
using DataList = std::vector<Data>;
struct Data {
  std::variant<std::string, bool, DataList, std::map<std::string, Data>> value;
  Data() : value(std::map<std::string, Data>{}) {}
  Data(std::string s) : value(std::move(s)) {}              // NOLINT(google-explicit-constructor)
  Data(const char* s) : value(std::string(s)) {}            // NOLINT(google-explicit-constructor)
  Data(bool b) : value(b) {}                                // NOLINT(google-explicit-constructor)
  Data(DataList l) : value(std::move(l)) {}                 // NOLINT(google-explicit-constructor)
  // Object access; creates the member.
  Data& operator[](const std::string& key) { return std::get<std::map<std::string, Data>>(value)[key]; }
};

// Renders web/templates/<name>.html (which may use {{> partials}} from the same directory).
// An unknown template name is a programming error (throws std::logic_error).
std::string Render(std::string_view name, const Data& data);

// Renders web/templates/<name>.txt, a plain-text template (the text part of an email): values are
// inserted as they are, not HTML-escaped. Only for text that is never interpreted as markup.
std::string RenderText(std::string_view name, const Data& data);

// An HTML page response with the hosted pages' security headers:
//   Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:;
//     form-action 'self'; frame-ancestors 'none'; base-uri 'none'
//   X-Frame-Options: DENY, Referrer-Policy: no-referrer, Cache-Control: no-store,
//   Pragma: no-cache, Cross-Origin-Opener-Policy: same-origin
// `form_action` is the CSP form-action source list: 'self' for the hosted pages' own forms, the
// client's origin for the form_post response page.
http::Response Page(int status, std::string html, std::string_view form_action = "'self'");

// The static assets of the hosted pages (CSS), served at /login/static/<file>.
void MountStatic(http::Router& router);

}  // namespace gatehouse::web
