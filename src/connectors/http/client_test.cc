// The client against a real HTTP server: tests/support/http_echo.py, one per test, on a loopback
// port it picks itself. Slowness and size are the server's (/slow, /big), not the test's timing.
#include "connectors/http/client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/process.h"

namespace gatehouse::connectors::http {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using test_support::ServerProcess;

class HttpClientTest : public ::testing::Test {
 protected:
  // libcurl runs with CURLOPT_NOSIGNAL, so the process must ignore SIGPIPE, as app/main.cc does.
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gatehouse-http-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0) << "http_echo exits 0 on SIGTERM";
    }
    server_.reset();
    fs::remove_all(dir_);
  }

  void StartServer(std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {GATEHOUSE_PYTHON, GATEHOUSE_HTTP_ECHO};
    argv.insert(argv.end(), args.begin(), args.end());
    server_ = std::make_unique<ServerProcess>(argv);
    ASSERT_GT(server_->port(), 0) << "http_echo.py did not report a port";
  }

  // A certificate for `names`, at cert() and key().
  void MakeCertificate(const std::string& names = "DNS:localhost,IP:127.0.0.1") {
    ASSERT_EQ(test_support::MakeSelfSignedCertificate(GATEHOUSE_OPENSSL, cert(), key(), names), 0)
        << "openssl req failed";
  }
  fs::path cert() const { return dir_ / "cert.pem"; }
  fs::path key() const { return dir_ / "key.pem"; }

  std::string Url(const std::string& path, const std::string& scheme = "http",
                  const std::string& host = "127.0.0.1") const {
    return scheme + "://" + host + ":" + std::to_string(server_ ? server_->port() : 0) + path;
  }

  static ClientOptions Options() {
    return {.timeout = std::chrono::seconds(10), .connect_timeout = std::chrono::seconds(5)};
  }

  static boost::json::object Json(const HttpResponse& r) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << r.body;
      return {};
    }
    return v.as_object();
  }

  // The string at `key` ("<missing>" when absent or not a string).
  static std::string Str(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : "<missing>";
  }

  fs::path dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(HttpClientTest, GetReturnsStatusContentTypeAndBody) {
  StartServer();
  HttpClient client(Options());
  auto r = client.Get(Url("/echo?a=1"), {{"X-Request-Id", "r-42"}, {"Accept", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  boost::json::object echo = Json(*r);
  EXPECT_EQ(Str(echo, "method"), "GET");
  EXPECT_EQ(Str(echo, "query"), "a=1");
  EXPECT_EQ(Str(echo, "body"), "");
  boost::json::object headers = echo["headers"].as_object();
  EXPECT_EQ(Str(headers, "user-agent"), "Gatehouse");
  EXPECT_EQ(Str(headers, "x-request-id"), "r-42");
  EXPECT_EQ(Str(headers, "accept"), "application/json");
}

TEST_F(HttpClientTest, ConsecutiveCallsShareOneConnectionUnlessPoolingIsOff) {
  StartServer();
  auto port_of = [&](const HttpClient& client, bool post) {
    auto r = post ? client.PostForm(Url("/echo"), "a=1") : client.Get(Url("/echo"));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? Json(*r).at("client_port").as_int64() : -1;
  };
  HttpClient pooled(Options());
  const std::int64_t first = port_of(pooled, false);
  EXPECT_EQ(port_of(pooled, true), first);
  EXPECT_EQ(port_of(pooled, false), first);
  // The reset between calls: a POST's body and method do not carry over into the next GET.
  auto get = pooled.Get(Url("/echo"));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(Str(Json(*get), "method"), "GET");
  EXPECT_EQ(Str(Json(*get), "body"), "");

  ClientOptions fresh = Options();
  fresh.idle_handles = 0;
  HttpClient unpooled(fresh);
  const std::int64_t a = port_of(unpooled, false);
  EXPECT_NE(port_of(unpooled, false), a);
}

TEST_F(HttpClientTest, PostFormSendsTheBodyAsForm) {
  StartServer({"--record", (dir_ / "posts.jsonl").string()});
  ClientOptions o = Options();
  o.user_agent = "Gatehouse/test";
  HttpClient client(o);
  const std::string body = "logout_token=eyJh.eyJz.c2ln&state=a%20b";
  auto r = client.PostForm(Url("/echo"), body);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  boost::json::object echo = Json(*r);
  EXPECT_EQ(Str(echo, "method"), "POST");
  EXPECT_EQ(Str(echo, "content_type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(Str(echo, "body"), body);
  EXPECT_EQ(Str(echo["headers"].as_object(), "user-agent"), "Gatehouse/test");
  // The server recorded it before answering.
  EXPECT_EQ(test_support::ReadFile(dir_ / "posts.jsonl"),
            R"({"path": "/echo", "content_type": "application/x-www-form-urlencoded", "body": ")" + body + "\"}\n");

  // A body past libcurl's 1 KiB threshold goes without "Expect: 100-continue"; an empty one works.
  const std::string large(64 * 1024, 'a');
  r = client.PostForm(Url("/echo"), "x=" + large);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  echo = Json(*r);
  EXPECT_EQ(Str(echo, "body").size(), large.size() + 2);
  EXPECT_FALSE(echo["headers"].as_object().contains("expect"));
  r = client.PostForm(Url("/echo"), "");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Str(Json(*r), "body"), "");
}

TEST_F(HttpClientTest, ANon2xxStatusIsAnAnswerNotAnError) {
  StartServer();
  HttpClient client(Options());
  for (int status : {201, 204, 400, 401, 404, 429, 500, 503}) {
    auto get = client.Get(Url("/status/" + std::to_string(status)));
    ASSERT_TRUE(get.ok()) << status << ": " << get.error().ToString();
    EXPECT_EQ(get->status, status);
    auto post = client.PostForm(Url("/status/" + std::to_string(status)), "logout_token=x");
    ASSERT_TRUE(post.ok()) << status << ": " << post.error().ToString();
    EXPECT_EQ(post->status, status);
  }
  auto r = client.Get(Url("/status/500"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"({"status": 500})");
}

TEST_F(HttpClientTest, ARedirectIsNotFollowed) {
  StartServer();
  HttpClient client(Options());
  for (bool post : {false, true}) {
    auto r = post ? client.PostForm(Url("/redirect"), "a=b") : client.Get(Url("/redirect"));
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, 302);
    EXPECT_EQ(r->body, "") << "the /echo it points to was not fetched";
  }
}

TEST_F(HttpClientTest, ASlowServerTimesOut) {
  StartServer();
  ClientOptions o = Options();
  o.timeout = milliseconds(300);
  HttpClient client(o);
  const auto start = std::chrono::steady_clock::now();
  auto r = client.Get(Url("/slow?seconds=30"));  // the server answers after 30 s
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  // client.h says kDeadlineExceeded, which StatusCode does not have (yet): see client.cc.
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
  EXPECT_NE(r.error().message().find("timed out"), std::string::npos) << r.error().message();
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(10)) << "gave up long before the server would answer";

  auto post = client.PostForm(Url("/slow?seconds=30"), "a=b");
  ASSERT_FALSE(post.ok());
  EXPECT_NE(post.error().message().find("timed out"), std::string::npos) << post.error().message();
}

TEST_F(HttpClientTest, NothingListeningIsUnavailable) {
  HttpClient client(Options());
  const std::string origin = "http://127.0.0.1:" + std::to_string(test_support::FreePort());
  auto r = client.Get(origin + "/backchannel/secret-path?code=abc123");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
  // Messages name the origin, never the path or query (which may carry a code).
  EXPECT_NE(r.error().message().find(origin), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("secret-path"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("abc123"), std::string::npos) << r.error().message();
  EXPECT_EQ(client.PostForm(origin + "/", "a=b").status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpClientTest, ABodyPastTheCapIsResourceExhausted) {
  StartServer();
  ClientOptions o = Options();
  o.max_response_bytes = 1 << 20;  // /big sends 2 MiB
  HttpClient client(o);
  // With a Content-Length, refused before reading; chunked, stopped while reading.
  for (const char* path : {"/big", "/big?chunked=1"}) {
    auto r = client.Get(Url(path));
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code(), StatusCode::kResourceExhausted) << path << ": " << r.error().ToString();
  }
  // Exactly at the cap is allowed.
  for (const char* path : {"/big?bytes=1048576", "/big?bytes=1048576&chunked=1"}) {
    auto r = client.Get(Url(path));
    ASSERT_TRUE(r.ok()) << path << ": " << r.error().ToString();
    EXPECT_EQ(r->body.size(), 1u << 20) << path;
  }
  o.max_response_bytes = 3 << 20;
  auto r = HttpClient(o).Get(Url("/big?chunked=1"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, std::string(2 << 20, 'x'));
}

TEST_F(HttpClientTest, OnlyHttpAndHttpsUrlsAreAccepted) {
  HttpClient client(Options());
  for (const char* url :
       {"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/", "dict://127.0.0.1/", "/relative/path", "",
        "http://", "http:///path", "http://user:pw@127.0.0.1/", "http://127.0.0.1/a#fragment", "http://127.0.0.1/a b",
        "http://127.0.0.1:0/", "http://127.0.0.1:99999/", "http://127.0.0.1/\r\nX: y"}) {
    auto get = client.Get(url);
    ASSERT_FALSE(get.ok()) << url;
    EXPECT_EQ(get.error().code(), StatusCode::kInvalidArgument) << url << ": " << get.error().ToString();
    EXPECT_EQ(client.PostForm(url, "a=b").status().code(), StatusCode::kInvalidArgument) << url;
  }
}

TEST_F(HttpClientTest, HeadersCannotSmuggleLines) {
  StartServer();
  HttpClient client(Options());
  for (const auto& header : std::vector<std::pair<std::string, std::string>>{{"X-A", "1\r\nX-Injected: 1"},
                                                                             {"X-A", "1\nX"},
                                                                             {"X-A", std::string("1\0", 2)},
                                                                             {"X A", "1"},
                                                                             {"X:A", "1"},
                                                                             {"", "1"}}) {
    auto r = client.Get(Url("/echo"), {header});
    ASSERT_FALSE(r.ok()) << header.first;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << r.error().ToString();
  }
  // An empty value is sent as an empty header, not dropped.
  auto r = client.Get(Url("/echo"), {{"X-Empty", ""}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Str(Json(*r)["headers"].as_object(), "x-empty"), "");
}

TEST_F(HttpClientTest, HttpsWithAPrivateCa) {
  MakeCertificate();
  StartServer({"--tls", cert().string(), key().string()});
  ClientOptions o = Options();
  o.ca_file = cert().string();
  HttpClient client(o);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto r = client.PostForm(Url("/echo", "https", host), "a=b");
    ASSERT_TRUE(r.ok()) << host << ": " << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(Str(Json(*r), "body"), "a=b");
  }
}

TEST_F(HttpClientTest, AnUntrustedCertificateIsUnavailable) {
  MakeCertificate();
  StartServer({"--tls", cert().string(), key().string()});
  HttpClient client(Options());  // the system's CAs only
  auto r = client.Get(Url("/echo", "https"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(HttpClientTest, ACertificateForAnotherHostIsUnavailable) {
  MakeCertificate("DNS:other.example");
  StartServer({"--tls", cert().string(), key().string()});
  ClientOptions o = Options();
  o.ca_file = cert().string();  // trusted, but not issued for 127.0.0.1 or localhost
  HttpClient client(o);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto r = client.Get(Url("/echo", "https", host));
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.error().code(), StatusCode::kUnavailable) << host << ": " << r.error().ToString();
  }
}

TEST_F(HttpClientTest, OneClientServesSeveralThreads) {
  StartServer();
  const HttpClient client(Options());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string body = "n=" + std::to_string(t * 10 + i);
        auto r = client.PostForm(Url("/echo"), body);
        if (r.ok() && r->status == 200 && r->body.find("\"body\": \"" + body + "\"") != std::string::npos) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 20);
}

}  // namespace
}  // namespace gatehouse::connectors::http
