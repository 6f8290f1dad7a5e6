#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace gatehouse::http {
namespace {

Request Get(std::string path, Method m = Method::kGet) {
  Request r;
  r.method = m;
  r.path = std::move(path);
  r.request_id = "test";
  return r;
}

TEST(RouterTest, ExactMatchAndHead) {
  Router router;
  router.Add(Method::kGet, "/keys", [](const Request&) { return Response::Json(200, "{}"); });
  EXPECT_EQ(router.Dispatch(Get("/keys")).response.status, 200);
  EXPECT_EQ(router.Dispatch(Get("/keys", Method::kHead)).response.status, 200);
  EXPECT_EQ(router.Dispatch(Get("/keys/")).response.status, 404);
  EXPECT_EQ(router.Dispatch(Get("/KEYS")).response.status, 404);
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router router;
  router.Add(Method::kGet, "/keys", [](const Request&) { return Response::Json(200, "{}"); });
  auto out = router.Dispatch(Get("/keys", Method::kPost));
  EXPECT_EQ(out.response.status, 405);
  ASSERT_EQ(out.response.headers.size(), 2u);  // Cache-Control, Allow
  EXPECT_EQ(out.response.headers[1], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
}

TEST(RouterTest, PrefixRoutesAndExactWins) {
  Router router;
  router.AddPrefix(Method::kGet, "/sso/saml/metadata/", [](const Request& r) {
    return Response::Text(200, r.path.substr(19));
  });
  router.Add(Method::kGet, "/sso/saml/metadata/special", [](const Request&) { return Response::Text(200, "exact"); });
  EXPECT_EQ(router.Dispatch(Get("/sso/saml/metadata/conn_1")).response.body, "conn_1");
  EXPECT_EQ(router.Dispatch(Get("/sso/saml/metadata/special")).response.body, "exact");
}

TEST(RouterTest, BlockingRoutesAreMarkedPerMethod) {
  Router router;
  router.AddBlocking(Method::kPost, "/login/email", [](const Request&) { return Response::Text(303, ""); });
  router.Add(Method::kGet, "/login/email", [](const Request&) { return Response::Text(200, ""); });
  router.AddPrefix(Method::kGet, "/sso/", [](const Request&) { return Response::Text(200, ""); });
  EXPECT_TRUE(router.IsBlocking(Get("/login/email", Method::kPost)));
  EXPECT_FALSE(router.IsBlocking(Get("/login/email")));
  EXPECT_FALSE(router.IsBlocking(Get("/sso/x")));
  EXPECT_FALSE(router.IsBlocking(Get("/nowhere", Method::kPost)));
  EXPECT_EQ(router.Dispatch(Get("/login/email", Method::kPost)).response.status, 303);
}

TEST(RouterTest, BlockingPrefixRoutesAreMarkedPerMethod) {
  Router router;
  router.AddPrefixBlocking(Method::kPost, "/sso/saml/acs/", [](const Request& r) { return Response::Text(200, r.path); });
  router.AddPrefix(Method::kGet, "/sso/saml/acs/", [](const Request&) { return Response::Text(204, ""); });
  EXPECT_TRUE(router.IsBlocking(Get("/sso/saml/acs/conn_1", Method::kPost)));
  EXPECT_FALSE(router.IsBlocking(Get("/sso/saml/acs/conn_1")));
  EXPECT_FALSE(router.IsBlocking(Get("/sso/saml/metadata/conn_1", Method::kPost)));
  auto posted = router.Dispatch(Get("/sso/saml/acs/conn_1", Method::kPost));
  EXPECT_EQ(posted.response.status, 200);
  EXPECT_EQ(posted.response.body, "/sso/saml/acs/conn_1");
  EXPECT_EQ(router.Dispatch(Get("/sso/saml/acs/conn_1")).response.status, 204);
}

TEST(RouterTest, BlockingRoutesCarryTheirLane) {
  Router router;
  auto ok = [](const Request&) { return Response::Text(200, ""); };
  router.AddBlocking(Method::kPost, "/login/email", ok);
  router.AddBlocking(Method::kGet, "/sso/oidc/callback", ok, Router::Lane::kUpstream);
  router.AddPrefixBlocking(Method::kPost, "/sso/saml/acs/", ok, Router::Lane::kUpstream);
  router.AddPrefixBlocking(Method::kPost, "/hooks/", ok, Router::Lane::kOutbound);
  router.Add(Method::kGet, "/keys", ok);
  EXPECT_EQ(router.LaneOf(Get("/login/email", Method::kPost)), Router::Lane::kOutbound);  // the default
  EXPECT_EQ(router.LaneOf(Get("/sso/oidc/callback")), Router::Lane::kUpstream);
  EXPECT_EQ(router.LaneOf(Get("/sso/oidc/callback", Method::kHead)), Router::Lane::kUpstream);
  EXPECT_EQ(router.LaneOf(Get("/sso/saml/acs/conn_1", Method::kPost)), Router::Lane::kUpstream);
  EXPECT_EQ(router.LaneOf(Get("/hooks/x", Method::kPost)), Router::Lane::kOutbound);
  EXPECT_EQ(router.LaneOf(Get("/keys")), Router::Lane::kLoop);
  EXPECT_EQ(router.LaneOf(Get("/nowhere")), Router::Lane::kLoop);
}

TEST(RouterTest, ThrowingHandlerIs500WithoutDetail) {
  Router router;
  router.Add(Method::kGet, "/boom", [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
  auto out = router.Dispatch(Get("/boom"));
  EXPECT_EQ(out.response.status, 500);
  EXPECT_EQ(out.response.body.find("secret detail"), std::string::npos);
  EXPECT_NE(out.response.body.find("server_error"), std::string::npos);
}

TEST(RouterTest, MetricsCountPerRoute) {
  Router router;
  router.Add(Method::kGet, "/a", [](const Request&) { return Response::Text(200, "a"); });
  auto out = router.Dispatch(Get("/a"));
  out.metrics->Record(out.response.status, 0.0007);
  auto miss = router.Dispatch(Get("/nope"));
  miss.metrics->Record(miss.response.status, 0.02);
  std::string text = router.metrics().Render();
  EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"/a\",code=\"200\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"unmatched\",code=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0005\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_count{route=\"/a\"} 1\n"), std::string::npos);
}

TEST(RequestTest, HeaderLookupIsCaseInsensitive) {
  Request r;
  r.headers = {{"Host", "a"}, {"x-request-id", "abc"}, {"host", "b"}};
  EXPECT_EQ(r.Header("HOST"), "a");
  EXPECT_EQ(r.Header("X-Request-Id"), "abc");
  EXPECT_EQ(r.HeaderCount("host"), 2);
  EXPECT_EQ(r.Header("missing"), "");
}

TEST(RouterTest, PrefixBodyLimits) {
  Router router;
  auto ok = [](const Request&) { return Response::Text(200, ""); };
  EXPECT_EQ(router.LargestBodyLimit(), 0u);
  router.AddPrefixBlocking(Method::kPost, "/sso/saml/acs/", ok, Router::Lane::kUpstream);
  router.Add(Method::kPost, "/oauth/token", ok);
  router.SetPrefixBodyLimit("/sso/saml/acs/", 512 * 1024);
  EXPECT_EQ(router.BodyLimitOf("/sso/saml/acs/conn_1"), 512u * 1024);
  EXPECT_EQ(router.BodyLimitOf("/oauth/token"), 0u);  // the server's default
  EXPECT_EQ(router.BodyLimitOf("/nowhere"), 0u);
  EXPECT_EQ(router.LargestBodyLimit(), 512u * 1024);
}

}  // namespace
}  // namespace gatehouse::http
