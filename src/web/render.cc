#include "web/render.h"

#include <kainjow/mustache.hpp>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "web/embedded.h"
#include "common/strings.h"

namespace gatehouse::web {
namespace {

namespace km = kainjow::mustache;

constexpr int kMaxPartialDepth = 8;

std::string_view TemplateSource(std::string_view file_name) {
  for (const EmbeddedFile& f : EmbeddedTemplates()) {
    if (f.name == file_name) return f.content;
  }
  throw std::logic_error("web: no template " + std::string(file_name));
}

// Replaces every {{> name}} with the text of name.html, recursively, before parsing. kainjow
// re-parses a partial each time it renders one; expanding them here means each page is parsed
// exactly once, and rendering never writes to the parsed template (see Render). Templates do not
// change delimiters ({{=...=}}), so "{{>" always starts a partial tag.
std::string ExpandPartials(std::string_view text, std::string_view name, int depth) {
  if (depth > kMaxPartialDepth) throw std::logic_error("web: partials nest too deeply in " + std::string(name));
  // Every value must be escaped: no triple braces or {{& in any template, for any data.
  if (text.find("{{{") != std::string_view::npos || text.find("{{&") != std::string_view::npos ||
      text.find("{{=") != std::string_view::npos) {
    throw std::logic_error("web: template " + std::string(name) + " uses an unescaped or delimiter tag");
  }
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find("{{>", pos);
    if (open == std::string_view::npos) break;
    std::size_t close = text.find("}}", open);
    if (close == std::string_view::npos) throw std::logic_error("web: unterminated partial tag in " + std::string(name));
    out.append(text.substr(pos, open - pos));
    std::string partial(TrimBlanks(text.substr(open + 3, close - open - 3)));
    out += ExpandPartials(TemplateSource(partial + ".html"), partial, depth + 1);
    pos = close + 2;
    // A partial tag alone on its line: drop the line's newline, as mustache does for standalone tags.
    if (pos < text.size() && text[pos] == '\n') ++pos;
  }
  out.append(text.substr(pos));
  return out;
}

// Parsed templates, shared read-only after the first use.
class TemplateCache {
 public:
  // `extension` is ".html" (values HTML-escaped) or ".txt" (values as they are: plain text).
  std::shared_ptr<km::mustache> Get(std::string_view name, std::string_view extension) {
    std::string file(name);
    file += extension;
    std::lock_guard lock(mu_);
    auto it = parsed_.find(file);
    if (it != parsed_.end()) return it->second;
    auto tmpl = std::make_shared<km::mustache>(ExpandPartials(TemplateSource(file), name, 0));
    if (!tmpl->is_valid()) {
      throw std::logic_error("web: template " + file + " does not parse: " + tmpl->error_message());
    }
    if (extension == ".txt") tmpl->set_custom_escape([](const std::string& s) { return s; });
    parsed_.emplace(file, tmpl);
    return tmpl;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<km::mustache>> parsed_;
};

TemplateCache& Cache() {
  static TemplateCache cache;
  return cache;
}

// An empty string is falsy in sections (as in mustache.js), so a template can write
// {{#request_id}}...{{/request_id}} for an optional value; {{x}} of it still renders nothing.
km::data ToMustache(const Data& d) {
  if (const auto* s = std::get_if<std::string>(&d.value)) {
    return s->empty() ? km::data(false) : km::data(*s);
  }
  if (const auto* b = std::get_if<bool>(&d.value)) return km::data(*b);
  if (const auto* l = std::get_if<DataList>(&d.value)) {
    km::data list(km::data::type::list);
    for (const Data& item : *l) list.push_back(ToMustache(item));
    return list;
  }
  km::data obj(km::data::type::object);
  for (const auto& [key, value] : std::get<std::map<std::string, Data>>(d.value)) obj.set(key, ToMustache(value));
  return obj;
}

std::string_view ContentTypeFor(std::string_view file) {
  auto ends_with = [&](std::string_view ext) { return file.size() >= ext.size() && file.substr(file.size() - ext.size()) == ext; };
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace

namespace {

std::string RenderFile(std::string_view name, std::string_view extension, const Data& data) {
  std::shared_ptr<km::mustache> tmpl = Cache().Get(name, extension);
  km::data root = ToMustache(data);
  // kainjow's render() is not const, but with partials expanded and no lambdas in the data it
  // only reads the parsed template (the per-call state lives in a context on this stack), so
  // concurrent renders of one template are safe.
  std::string out = tmpl->render(root);
  if (!tmpl->is_valid()) throw std::logic_error("web: rendering " + std::string(name) + " failed");
  return out;
}

}  // namespace

std::string Render(std::string_view name, const Data& data) { return RenderFile(name, ".html", data); }

std::string RenderText(std::string_view name, const Data& data) { return RenderFile(name, ".txt", data); }

http::Response Page(int status, std::string html, std::string_view form_action) {
  http::Response r = http::Response::Html(status, std::move(html));
  r.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action " +
                                       std::string(form_action) + "; frame-ancestors 'none'; base-uri 'none'");
  r.Set("X-Frame-Options", "DENY");
  r.Set("Referrer-Policy", "no-referrer");
  r.Set("Cache-Control", "no-store");
  r.Set("Pragma", "no-cache");
  r.Set("Cross-Origin-Opener-Policy", "same-origin");
  r.Set("X-Content-Type-Options", "nosniff");
  return r;
}

void MountStatic(http::Router& router) {
  for (const EmbeddedFile& f : EmbeddedStatic()) {
    auto body = std::make_shared<const std::string>(f.content);
    std::string content_type(ContentTypeFor(f.name));
    router.Add(http::Method::kGet, "/login/static/" + std::string(f.name), [body, content_type](const http::Request&) {
      http::Response r;
      r.status = 200;
      r.content_type = content_type;
      r.shared_body = body;
      // Not content-addressed, so cached briefly rather than forever.
      r.Set("Cache-Control", "public, max-age=3600");
      r.Set("X-Content-Type-Options", "nosniff");
      return r;
    });
  }
}

}  // namespace gatehouse::web
