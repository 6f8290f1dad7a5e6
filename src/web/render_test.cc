#include "web/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <atomic>
#include <thread>
#include <vector>

#include "web/embedded.h"

namespace gatehouse::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHostile = "<script>alert(1)</script>\"'&";

std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(Render, EveryTemplateParsesAndRendersWithoutData) {
  for (const EmbeddedFile& f : EmbeddedTemplates()) {
    const bool text = f.name.ends_with(".txt");
    std::string name(f.name.substr(0, f.name.rfind('.')));
    std::string out;
    ASSERT_NO_THROW(out = text ? RenderText(name, Data()) : Render(name, Data())) << f.name;
    EXPECT_THAT(out, Not(HasSubstr("{{"))) << f.name;
  }
}

TEST(Render, TextTemplatesDoNotEscapeAndHtmlOnesDo) {
  Data d;
  d["app_name"] = "A & B <Co>";
  d["code"] = "123456";
  d["minutes"] = "10";
  EXPECT_THAT(RenderText("email_code", d), HasSubstr("Sign in to A & B <Co>."));
  EXPECT_THAT(Render("email_code", d), HasSubstr("A &amp; B &lt;Co&gt;"));
}

TEST(Render, PagesShareTheLayout) {
  for (const char* page : {"error", "login", "connection", "passwordless", "magic_confirm", "select_account"}) {
    std::string html = Render(page, Data());
    EXPECT_THAT(html, HasSubstr("<!doctype html>")) << page;
    EXPECT_THAT(html, HasSubstr("<html lang=\"en\">")) << page;
    EXPECT_THAT(html, HasSubstr("name=\"viewport\"")) << page;
    EXPECT_THAT(html, HasSubstr("<link rel=\"stylesheet\" href=\"/login/static/gatehouse.css\">")) << page;
    EXPECT_THAT(html, HasSubstr("</html>")) << page;
    // No JavaScript at all, and nothing the CSP would block.
    EXPECT_THAT(html, Not(HasSubstr("<script"))) << page;
    EXPECT_THAT(html, Not(::testing::ContainsRegex(" on[a-z]+="))) << page;  // no onclick= etc.
    EXPECT_THAT(html, Not(HasSubstr("style="))) << page;
  }
}

TEST(Render, EscapesEveryValue) {
  Data d;
  d["page_title"] = kHostile;
  d["app_name"] = kHostile;
  d["title"] = kHostile;
  d["message"] = kHostile;
  d["request_id"] = kHostile;
  std::string html = Render("error", d);
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("\"'")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&apos;&amp;"));
}

TEST(Render, EscapesInsideListsAndAttributes) {
  Data item;
  item["connection_id"] = kHostile;
  item["label"] = kHostile;
  Data d;
  d["tx"] = kHostile;
  d["email"] = kHostile;
  d["social"] = DataList{item};
  d["has_buttons"] = true;
  std::string html = Render("login", d);
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("\"'")));
  EXPECT_THAT(html, HasSubstr("name=\"connection\" value=\"&lt;script&gt;"));
  EXPECT_THAT(html, HasSubstr("name=\"email\""));
}

TEST(Render, EmptyStringIsFalsy) {
  Data d;
  d["message"] = "m";
  d["request_id"] = "";
  EXPECT_THAT(Render("error", d), Not(HasSubstr("Request id")));
  d["request_id"] = "req-1";
  EXPECT_THAT(Render("error", d), HasSubstr("Request id: <code>req-1</code>"));
}

TEST(Render, ListsAndBooleans) {
  Data a, b;
  a["connection_id"] = "conn_a";
  a["label"] = "Google";
  b["connection_id"] = "conn_b";
  b["label"] = "GitHub";
  Data d;
  d["tx"] = "TOKEN";
  d["social"] = DataList{a, b};
  d["signup"] = true;
  std::string html = Render("login", d);
  EXPECT_THAT(html, HasSubstr("value=\"conn_a\""));
  EXPECT_THAT(html, HasSubstr("value=\"conn_b\""));
  EXPECT_THAT(html, HasSubstr(">GitHub</button>"));
  // The outer tx is visible inside the list section.
  EXPECT_THAT(html, HasSubstr("name=\"tx\" value=\"TOKEN\""));
  EXPECT_THAT(html, HasSubstr("name=\"name\""));
  EXPECT_THAT(html, HasSubstr("mode=signin"));
  d["signup"] = false;
  html = Render("login", d);
  EXPECT_THAT(html, Not(HasSubstr("name=\"name\"")));
  EXPECT_THAT(html, HasSubstr("mode=signup"));
}

TEST(Render, UnknownTemplateIsAProgrammingError) {
  EXPECT_THROW(Render("nope", Data()), std::logic_error);
  EXPECT_THROW(Render("../etc/passwd", Data()), std::logic_error);
}

TEST(Render, ConcurrentRendersAgree) {
  Data d;
  d["message"] = "same";
  const std::string expected = Render("error", d);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (Render("error", d) != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Page, SetsTheSecurityHeaders) {
  http::Response r = Page(403, "<p>x</p>");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<p>x</p>");
  EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"),
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'");
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(r, "Pragma"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
}

TEST(MountStatic, ServesTheStylesheet) {
  http::Router router;
  MountStatic(router);
  http::Request req;
  req.method = http::Method::kGet;
  req.path = "/login/static/gatehouse.css";
  http::Response r = router.Dispatch(req).response;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/css; charset=utf-8");
  EXPECT_THAT(std::string(r.Body()), HasSubstr(".card"));
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");

  req.path = "/login/static/missing.css";
  EXPECT_EQ(router.Dispatch(req).response.status, 404);
}

}  // namespace
}  // namespace gatehouse::web
