// The SDK against a real Gatehouse: `gatehouse init`, `client create` and `serve` on a free
// loopback port (RS256, and ES256 with --signing-alg), then client_credentials tokens fetched
// and validated through the SDK, the token endpoint's OAuth errors, and key rotation with
// `gatehouse keys rotate` while the SDK has the JWKS cached.
//
// The ID-token-typed refusal of validate_access_token and the code flow need a browser sign-in;
// the browser tests cover them (tests/browser), token_test.cc covers the typ check.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <thread>

#include "gatehouse/client.h"
#include "support/process.h"

#ifndef GATEHOUSE_DEFAULT_BIN
#error "GATEHOUSE_DEFAULT_BIN must name the gatehouse binary"
#endif

namespace gatehouse::sdk {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using test_support::ReadFile;

std::string gatehouse_bin() {
  const char* env = std::getenv("GATEHOUSE_BIN");
  return env != nullptr && *env != '\0' ? env : GATEHOUSE_DEFAULT_BIN;
}

// The environment without GATEHOUSE_* variables (a developer's shell must not change the test).
std::vector<std::string> clean_environment() {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("GATEHOUSE_", 0) != 0) out.emplace_back(*e);
  }
  return out;
}

// fork + execve with stdout and stderr to files; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  static const std::vector<std::string> env_strings = clean_environment();
  std::vector<char*> envp;
  for (const std::string& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  return pid;
}

// Polls `done` until it is true or `timeout` passes: a bounded wait on a condition, not a sleep
// standing in for one.
template <class F>
bool wait_until(F done, std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The kid in a JWT's header (read with the test's own code, not the SDK's).
std::string kid_of(const std::string& jwt) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  unsigned acc = 0;
  int bits = 0;
  for (char c : jwt.substr(0, jwt.find('.'))) {
    acc = acc << 6 | static_cast<unsigned>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      text += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  boost::system::error_code ec;
  json::value header = json::parse(text, ec);
  if (ec || !header.is_object() || !header.as_object().contains("kid")) return "";
  return std::string(header.at("kid").as_string());
}

class Gatehouse {
 public:
  explicit Gatehouse(const std::string& alg) : alg_(alg) {
    dir_ = fs::temp_directory_path() / ("gatehouse-sdk-e2e-" + std::to_string(::getpid()) + "-" + alg);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    port_ = test_support::FreePort();
    issuer_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  ~Gatehouse() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      test_support::Wait(pid_);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs `gatehouse ARGS --data DIR`; its stdout as JSON (null when it failed).
  json::value cli(std::vector<std::string> args) {
    args.insert(args.begin(), gatehouse_bin());
    args.push_back("--data");
    args.push_back((dir_ / "data").string());
    const pid_t pid = spawn(args, dir_ / "cli.out", dir_ / "cli.err");
    const int status = test_support::Wait(pid);
    if (status != 0) {
      ADD_FAILURE() << "gatehouse " << args[1] << " exited " << status << ": " << ReadFile(dir_ / "cli.err");
      return nullptr;
    }
    boost::system::error_code ec;
    json::value v = json::parse(ReadFile(dir_ / "cli.out"), ec);
    return ec ? json::value(nullptr) : v;
  }

  // init, a machine client with scopes read and write, serve. False (with a test failure) when
  // something did not work.
  bool start() {
    if (port_ == 0 || cli({"init", "--issuer", issuer_, "--signing-alg", alg_}).is_null()) return false;
    json::value client = cli({"client", "create", "--name", "sdk e2e", "--scope", "read", "--scope", "write"});
    if (!client.is_object()) return false;
    client_id_ = std::string(client.at("client_id").as_string());
    client_secret_ = std::string(client.at("client_secret").as_string());
    pid_ = spawn({gatehouse_bin(), "serve", "--data", (dir_ / "data").string(), "--listen",
                  "127.0.0.1:" + std::to_string(port_),
                  "--signing-alg", alg_, "--key-refresh-interval", "200ms", "--access-log", "false", "--threads", "2"},
                 dir_ / "serve.out", dir_ / "serve.log");
    const bool up = wait_until([this] {
      return ReadFile(dir_ / "serve.log").find("gatehouse listening") != std::string::npos ||
             ::waitpid(pid_, nullptr, WNOHANG) == pid_;
    });
    if (!up || ReadFile(dir_ / "serve.log").find("gatehouse listening") == std::string::npos) {
      ADD_FAILURE() << "gatehouse serve did not start: " << ReadFile(dir_ / "serve.log");
      return false;
    }
    return true;
  }

  // The kid of the key in `state` (active, next, retired) per `gatehouse keys list`.
  std::string kid(const std::string& state) {
    json::value keys = cli({"keys", "list"});
    if (!keys.is_array()) return "";
    for (const json::value& k : keys.as_array()) {
      if (k.at("state") == json::value(state)) return std::string(k.at("kid").as_string());
    }
    return "";
  }

  Client client(ClientOptions options = {}) const {
    return Client(issuer_, client_id_, client_secret_, std::move(options));
  }
  const std::string& issuer() const { return issuer_; }
  const std::string& client_id() const { return client_id_; }

 private:
  std::string alg_;
  fs::path dir_;
  int port_ = 0;
  std::string issuer_, client_id_, client_secret_;
  pid_t pid_ = -1;
};

class GatehouseTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GatehouseTest, ClientCredentialsTokenValidates) {
  Gatehouse server(GetParam());
  ASSERT_TRUE(server.start());
  Client client = server.client();
  Result<std::string> token = client.get_client_access_token();
  ASSERT_TRUE(token.ok()) << token.error().message;

  Result<Claims> claims = client.validate_access_token(*token);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->string("iss"), server.issuer());
  EXPECT_EQ(claims->string("client_id"), server.client_id());
  EXPECT_EQ(claims->scopes(), (std::vector<std::string>{"read", "write"}));
  EXPECT_GT(claims->integer("exp").value_or(0), claims->integer("iat").value_or(0));

  TokenValidationOptions need;
  need.required_scopes = {"write", "read"};
  EXPECT_TRUE(client.validate_access_token(*token, need).ok());
  need.required_scopes = {"read", "admin"};
  Result<Claims> missing = client.validate_access_token(*token, need);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInsufficientScope);

  TokenValidationOptions aud;
  aud.audience = {server.client_id()};
  EXPECT_TRUE(client.validate_token(*token, aud).ok());
  aud.audience = {"skc_someone_else"};
  EXPECT_EQ(client.validate_token(*token, aud).error().code, ErrorCode::kInvalidToken);
  TokenValidationOptions other_alg;
  other_alg.algorithms = {std::string(GetParam()) == "RS256" ? "ES256" : "RS256"};
  EXPECT_EQ(client.validate_token(*token, other_alg).error().code, ErrorCode::kInvalidToken);

  // generate_client_token with this client's own credentials works the same way.
  Result<std::string> again = client.generate_client_token(server.client_id(), "wrong secret");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kServerError);
  EXPECT_EQ(again.error().http_status, 401);
  EXPECT_EQ(again.error().oauth_error, "invalid_client");
}

TEST_P(GatehouseTest, OAuthErrorsFromTheTokenEndpoint) {
  Gatehouse server(GetParam());
  ASSERT_TRUE(server.start());
  Client client = server.client();
  Result<RefreshTokenResponse> refresh = client.refresh_access_token("bogus-refresh-token");
  ASSERT_FALSE(refresh.ok());
  EXPECT_EQ(refresh.error().code, ErrorCode::kServerError);
  EXPECT_EQ(refresh.error().oauth_error, "invalid_grant");
  EXPECT_EQ(refresh.error().message.find("bogus-refresh-token"), std::string::npos);

  Result<AuthenticationResponse> code = client.authenticate_with_code("bogus-code", "http://localhost/callback");
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().code, ErrorCode::kServerError);
  EXPECT_EQ(code.error().oauth_error, "invalid_grant");
  EXPECT_GE(code.error().http_status, 400);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GatehouseTest, ::testing::Values("RS256", "ES256"));

TEST(GatehouseRotationTest, RotatedKeysValidateAfterOneRefetch) {
  Gatehouse server("RS256");
  ASSERT_TRUE(server.start());
  ClientOptions eager;
  eager.jwks_refresh_interval = std::chrono::seconds(0);
  Client refetching = server.client(eager);
  Client cached = server.client();  // default interval: no refetch within a minute
  const std::string first_next = server.kid("next");

  Result<std::string> token = refetching.get_client_access_token();
  ASSERT_TRUE(token.ok()) << token.error().message;
  ASSERT_TRUE(refetching.validate_access_token(*token).ok());
  ASSERT_TRUE(cached.validate_access_token(*token).ok());  // both have the JWKS cached now

  // First rotation: Gatehouse signs with the key it published as "next" at init, which the
  // cached JWKS already holds, so no refetch is needed.
  ASSERT_FALSE(server.cli({"keys", "rotate"}).is_null());
  std::string rotated;
  ASSERT_TRUE(wait_until([&] {
    Result<std::string> t = refetching.get_client_access_token();
    if (t.ok() && kid_of(*t) == first_next) rotated = *t;
    return !rotated.empty();
  })) << "the server did not start signing with the next key";
  EXPECT_TRUE(cached.validate_access_token(rotated).ok());

  // Second rotation: the new signing key was published after the SDK fetched the JWKS.
  const std::string second_next = server.kid("next");
  ASSERT_FALSE(server.cli({"keys", "rotate"}).is_null());
  rotated.clear();
  ASSERT_TRUE(wait_until([&] {
    Result<std::string> t = refetching.get_client_access_token();
    if (t.ok() && kid_of(*t) == second_next) rotated = *t;
    return !rotated.empty();
  })) << "the server did not start signing with the second next key";
  Result<Claims> after = refetching.validate_access_token(rotated);
  EXPECT_TRUE(after.ok()) << after.error().message;
  // The default client refetched only at its first need; within its interval it does not.
  Result<Claims> stale = cached.validate_access_token(rotated);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kInvalidToken);
  // A fresh client fetches the current set.
  EXPECT_TRUE(server.client().validate_access_token(rotated).ok());
  // Retired keys stay published: the first token still validates.
  EXPECT_TRUE(refetching.validate_access_token(*token).ok());
}

}  // namespace
}  // namespace gatehouse::sdk
