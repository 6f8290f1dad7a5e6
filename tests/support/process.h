// Helper processes for tests that talk to a real server on loopback (tests/support/*.py): start
// one, learn its port from its first stdout line, stop it by its pid. Header-only; a test target
// adds ${PROJECT_SOURCE_DIR}/tests to its include path and includes "support/process.h".
//
// Every helper server here follows one protocol: it listens on 127.0.0.1 on a port it picks,
// prints {"port": N} as its first stdout line once it is ready, and exits 0 on SIGTERM.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gatehouse::test_support {

// fork + exec of args[0] (a path, not looked up in PATH) with stdout on `stdout_fd` (or
// /dev/null when -1), stderr inherited. The child gets SIGTERM if the test process dies first,
// so a crashed test leaves no server behind. Returns the pid, or -1 when fork failed.
inline pid_t Spawn(const std::vector<std::string>& args, int stdout_fd = -1) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(stdout_fd >= 0 ? stdout_fd : devnull, STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(devnull);
  return pid;
}

// Waits for `pid`; its exit status, 128 + the signal that ended it, or -1.
inline int Wait(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A loopback port with nothing listening on it (bound, read, released), or 0 on failure.
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// A TCP socket listening on 127.0.0.1, on a port the kernel picks (stored in *port); -1 if that
// fails. The caller closes it.
inline int ListenOnLoopback(int* port, int backlog = 8) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Writes a self-signed P-256 certificate and its key, valid for a day, for `subject_alt_names`
// (openssl's syntax: "DNS:localhost,IP:127.0.0.1"). Returns openssl's exit status (0: done).
inline int MakeSelfSignedCertificate(const std::string& openssl, const std::filesystem::path& cert,
                                     const std::filesystem::path& key,
                                     const std::string& subject_alt_names = "DNS:localhost,IP:127.0.0.1") {
  return Wait(Spawn({openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                     "/CN=localhost", "-addext", "subjectAltName=" + subject_alt_names, "-days", "1", "-keyout",
                     key.string(), "-out", cert.string()}));
}

// A helper server process (see the protocol above). The constructor starts `argv` and waits up
// to `ready` (generous: a loaded CI box, an ASan build) for the port line; port() is 0 when
// none came.
class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& argv, std::chrono::seconds ready = std::chrono::seconds(20)) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = Spawn(argv, out[1]);
    ::close(out[1]);
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + ready;
    while (pid_ > 0 && line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[128];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;  // the server exited
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    // json.dumps writes {"port": N}; the space in the format also matches none.
    if (std::sscanf(line.c_str(), "{\"port\": %d}", &port_) != 1) port_ = 0;
  }

  ~ServerProcess() {
    if (pid_ > 0) Stop();
  }

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }

  // SIGTERM, and the server's exit status (0 when it shut down cleanly).
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int status = Wait(pid_);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace gatehouse::test_support
