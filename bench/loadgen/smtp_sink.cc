// The SMTP sink of login_load (loadgen.h): one message at a time per connection; the code of
// the last message per recipient. It announces PIPELINING and, like Postfix, writes its replies
// when it has answered every command that has arrived (one write for a pipelined group).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "loadgen.h"

namespace loadgen {
namespace {

using Error = std::runtime_error;

void Reply(int fd, std::string_view s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

// Quoted-printable: soft line breaks removed first, then =XX decoded (two passes).
std::string DecodeQP(std::string_view in) {
  std::string soft, out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && in.substr(i + 1, 2) == "\r\n") i += 2;
    else if (in[i] == '=' && in.substr(i + 1, 1) == "\n") i += 1;
    else soft.push_back(in[i]);
  }
  auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i < soft.size(); ++i) {
    if (soft[i] == '=' && i + 2 < soft.size() && is_hex(soft[i + 1]) && is_hex(soft[i + 2])) {
      out.push_back(static_cast<char>(hex(soft[i + 1]) * 16 + hex(soft[i + 2])));
      i += 2;
    } else {
      out.push_back(soft[i]);
    }
  }
  return out;
}

// The first "Your verification code is: (\d{6})", or "".
std::string FindCode(std::string_view text) {
  constexpr std::string_view kPrefix = "Your verification code is: ";
  for (std::size_t at = text.find(kPrefix); at != std::string_view::npos; at = text.find(kPrefix, at + 1)) {
    const std::string_view digits = text.substr(at + kPrefix.size(), 6);
    if (digits.size() == 6 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::string(digits);
    }
  }
  return "";
}

}  // namespace

void SmtpSink::Listen(long port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 511) != 0) {
    throw Error("SMTP sink on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  }
  std::thread([this, fd] {
    for (;;) {
      const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) std::thread([this, c] { Serve(c); }).detach();
      else if (errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // e.g. EMFILE
    }
  }).detach();
}
void SmtpSink::Erase(const std::string& rcpt) {
  std::lock_guard lock(mu_);
  codes_.erase(rcpt);
}
std::string SmtpSink::Get(const std::string& rcpt) {
  std::lock_guard lock(mu_);
  const auto it = codes_.find(rcpt);
  return it == codes_.end() ? "" : it->second;
}


void SmtpSink::Serve(int fd) {
  Reply(fd, "220 bench-sink ESMTP\r\n");
  std::string buf, out;
  std::vector<std::string> rcpt;
  bool in_data = false;
  char chunk[8192];
  for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) {
    buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t pos = 0;
    for (;;) {
      if (in_data) {
        const std::size_t end = buf.find("\r\n.\r\n", pos);
        if (end == std::string::npos) break;
        const std::string code = FindCode(DecodeQP(std::string_view(buf).substr(pos, end - pos)));
        pos = end + 5;
        in_data = false;
        if (!code.empty()) {
          std::lock_guard lock(mu_);
          for (const std::string& r : rcpt) codes_[r] = code;
        }
        out += code.empty() ? "554 no code found\r\n" : "250 OK\r\n";
        continue;
      }
      const std::size_t nl = buf.find("\r\n", pos);
      if (nl == std::string::npos) break;
      const std::string_view line = std::string_view(buf).substr(pos, nl - pos);
      pos = nl + 2;
      std::string verb(line.substr(0, 4));
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (verb == "EHLO") {
        out += "250-bench-sink\r\n250 PIPELINING\r\n";
      } else if (verb == "HELO") {
        out += "250 bench-sink\r\n";
      } else if (verb == "MAIL" || verb == "RSET" || verb == "NOOP") {
        rcpt.clear();
        out += "250 OK\r\n";
      } else if (verb == "RCPT") {  // the address in <...>, lower-cased
        const std::size_t lt = line.find('<'), gt = line.find('>', lt == std::string_view::npos ? 0 : lt);
        std::string r = (lt != std::string_view::npos && gt != std::string_view::npos) ? std::string(line.substr(lt + 1, gt - lt - 1)) : "";
        for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        rcpt.push_back(std::move(r));
        out += "250 OK\r\n";
      } else if (verb == "DATA") {
        in_data = true;
        out += "354 go ahead\r\n";
      } else if (verb == "QUIT") {
        Reply(fd, out + "221 bye\r\n");
        ::close(fd);
        return;
      } else {
        out += "502 not implemented\r\n";
      }
    }
    buf.erase(0, pos);
    if (!out.empty()) Reply(fd, out);
    out.clear();
  }
  ::close(fd);
}

}  // namespace loadgen
