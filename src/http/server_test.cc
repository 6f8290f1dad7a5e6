// The transport with real sockets on loopback: which pool runs which lane.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gatehouse::http {
namespace {

// GET `path` over a fresh connection; the body, or "" when no whole answer came within 10 s
// (the bound only turns a hang into a failure; a passing run never waits on it).
std::string Get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const std::size_t end = answer.find("\r\n\r\n");
  return end == std::string::npos ? "" : answer.substr(end + 4);
}

// Handlers that wait until released, counting how many are waiting.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  bool open = false;

  Response Hold(const char* body) {
    std::unique_lock<std::mutex> lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
    return Response::Text(200, body);
  }
  void WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return waiting == n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

class LaneTest : public ::testing::Test {
 protected:
  void Start() {
    ServerOptions o;
    o.port = 0;
    o.threads = 1;
    o.blocking_threads = 2;
    o.upstream_threads = 2;
    o.access_log = false;
    o.handle_signals = false;
    server_ = std::make_unique<Server>(o, router_);
    ASSERT_TRUE(server_->Listen().ok());
    run_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    gate_.Open();
    for (auto& t : clients_) t.join();
    if (server_) {
      server_->Stop();
      run_.join();
    }
  }
  // Fills a pool of two: two requests to `path` held in its handler.
  void Fill(const std::string& path) {
    for (int i = 0; i < 2; ++i) {
      clients_.emplace_back([this, path, i] { held_answers_[i] = Get(server_->port(), path); });
    }
    gate_.WaitFor(2);
  }
  // Lets the held requests finish; their answers.
  std::vector<std::string> Release() {
    gate_.Open();
    for (auto& t : clients_) t.join();
    clients_.clear();
    return {held_answers_[0], held_answers_[1]};
  }

  Router router_;
  Gate gate_;
  std::unique_ptr<Server> server_;
  std::thread run_;
  std::vector<std::thread> clients_;
  std::string held_answers_[2];  // one per client thread
};

TEST_F(LaneTest, AHangingIdentityProviderDoesNotHoldUpEmailsOrTheLoop) {
  router_.AddBlocking(Method::kGet, "/idp", [this](const Request&) { return gate_.Hold("idp"); },
                      Router::Lane::kUpstream);
  router_.AddBlocking(Method::kGet, "/mail", [](const Request&) { return Response::Text(200, "mail"); });
  router_.Add(Method::kGet, "/keys", [](const Request&) { return Response::Text(200, "keys"); });
  Start();
  Fill("/idp");  // every upstream thread waits on "the IdP"
  EXPECT_EQ(Get(server_->port(), "/mail"), "mail");
  EXPECT_EQ(Get(server_->port(), "/keys"), "keys");
  EXPECT_EQ(Release(), (std::vector<std::string>{"idp", "idp"}));
}

TEST_F(LaneTest, AHangingMailServerDoesNotHoldUpIdentityProviders) {
  router_.AddBlocking(Method::kGet, "/mail", [this](const Request&) { return gate_.Hold("mail"); });
  router_.AddBlocking(Method::kGet, "/idp", [](const Request&) { return Response::Text(200, "idp"); },
                      Router::Lane::kUpstream);
  Start();
  Fill("/mail");
  EXPECT_EQ(Get(server_->port(), "/idp"), "idp");
  EXPECT_EQ(Release(), (std::vector<std::string>{"mail", "mail"}));
}

// Stop lets a request whose handler is still running on a pool finish: the loop waiting for the
// outcome keeps running until it is back, and only then does Run return.
TEST_F(LaneTest, StoppingWaitsForAHandlerStillRunningOnAPool) {
  router_.AddBlocking(Method::kGet, "/mail", [this](const Request&) { return gate_.Hold("mail"); });
  Start();
  Fill("/mail");
  server_->Stop();
  EXPECT_EQ(Release(), (std::vector<std::string>{"mail", "mail"}));
  run_.join();
  server_.reset();  // TearDown: nothing left to stop
}

}  // namespace
}  // namespace gatehouse::http
