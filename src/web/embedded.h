// Files embedded into the binary at build time by cmake/EmbedFiles.cmake (the generated
// embedded_templates.cc and embedded_static.cc define the functions). Internal to src/web.
#pragma once

#include <string_view>
#include <vector>

namespace gatehouse::web {

struct EmbeddedFile {
  std::string_view name;     // base name: "login.html", "gatehouse.css"
  std::string_view content;  // the file's bytes, static storage
};

// web/templates/*.html.
const std::vector<EmbeddedFile>& EmbeddedTemplates();
// web/static/*.
const std::vector<EmbeddedFile>& EmbeddedStatic();

}  // namespace gatehouse::web
