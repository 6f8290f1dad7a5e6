// Shared by the SDK's token tests: one jwks_server.py per test process (started on first use,
// stopped at exit by its pid), a scratch directory, and per-test "scenarios" (a directory the
// server serves at http://127.0.0.1:PORT/NAME), so that tests never see each other's files or
// fetch counts.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "support/process.h"

#ifndef GATEHOUSE_SDK_SUPPORT
#error "GATEHOUSE_SDK_SUPPORT must name sdk/tests/support"
#endif

namespace gatehouse::sdk::test {

class JwksServer {
 public:
  static JwksServer& get() {
    static JwksServer server;
    return server;
  }

  int port() const { return process_->port(); }

  // A fresh scenario directory named after the running test; returns its environment URL.
  std::string scenario(const std::string& suffix = "") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name() + suffix;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    std::filesystem::create_directories(root_ / name);
    return "http://127.0.0.1:" + std::to_string(port()) + "/" + name;
  }

  // Writes `content` to FILE in the scenario of `environment_url`.
  void write(const std::string& environment_url, const std::string& file, const std::string& content) {
    const std::filesystem::path path = dir(environment_url) / file;
    std::ofstream(path.string() + ".tmp", std::ios::binary) << content;
    std::filesystem::rename(path.string() + ".tmp", path);  // never a half-written file
  }
  void remove(const std::string& environment_url, const std::string& file) {
    std::filesystem::remove(dir(environment_url) / file);
  }
  std::string read(const std::string& environment_url, const std::string& file) {
    return test_support::ReadFile(dir(environment_url) / file);
  }
  // How many times the scenario's /keys (what = "keys") or token endpoint ("token") was hit.
  int count(const std::string& environment_url, const std::string& what = "keys") {
    const std::string text = read(environment_url, what + ".count");
    return text.empty() ? 0 : std::atoi(text.c_str());
  }

 private:
  JwksServer() {
    root_ = std::filesystem::temp_directory_path() /
            ("gatehouse-sdk-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_);
    process_ = std::make_unique<test_support::ServerProcess>(
        std::vector<std::string>{"/usr/bin/python3", GATEHOUSE_SDK_SUPPORT "/jwks_server.py", root_.string()});
  }
  ~JwksServer() {
    process_.reset();  // SIGTERM by pid, waited for
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  std::filesystem::path dir(const std::string& environment_url) const {
    return root_ / environment_url.substr(environment_url.rfind('/') + 1);
  }

  std::filesystem::path root_;
  std::unique_ptr<test_support::ServerProcess> process_;
};

}  // namespace gatehouse::sdk::test
