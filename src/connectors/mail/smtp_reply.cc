// The byte-level pieces of the SMTP dialogue that need no connection (internal.h): reply
// parsing, dot-stuffing, EHLO keywords.
#include <string>
#include <string_view>

#include "common/strings.h"
#include "connectors/mail/internal.h"

namespace gatehouse::connectors::mail::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status NotSmtp(std::string_view why) { return UnavailableError("smtp: the server's reply " + std::string(why)); }

}  // namespace

std::optional<ReplyLine> ParseReplyLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.size() < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2]) ||
      (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    return std::nullopt;
  }
  ReplyLine out{{(line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'), -1}, !(line.size() > 3 && line[3] == '-')};
  // "550 5.1.1 ...": class digit, '.', one to three subject digits, '.'.
  if (line.size() > 7 && IsDigit(line[4]) && line[5] == '.' && IsDigit(line[6])) {
    out.reply.enhanced = line[6] - '0';
    if (IsDigit(line[7])) out.reply.enhanced = out.reply.enhanced * 10 + (line[7] - '0');
  }
  return out;
}

Result<std::optional<Reply>> ReplyReader::Next() {
  for (;;) {
    const std::size_t eol = buffer_.find('\n', scanned_);
    if (eol == std::string::npos) {
      // +1: the line's CR may have come without its LF yet.
      if (buffer_.size() - scanned_ > kMaxLine + 1) return NotSmtp("has a line that is too long");
      return std::optional<Reply>();
    }
    std::string_view line(buffer_.data() + scanned_, eol - scanned_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLine) return NotSmtp("has a line that is too long");
    const std::optional<ReplyLine> parsed = ParseReplyLine(line);
    if (!parsed) return NotSmtp("is not SMTP (no three-digit code)");
    if (lines_ > 0 && parsed->reply.code != code_) return NotSmtp("changes its code between lines");
    if (++lines_ > kMaxLines) return NotSmtp("has too many lines");
    code_ = parsed->reply.code;
    scanned_ = eol + 1;
    if (!parsed->last) continue;

    buffer_.erase(0, scanned_);
    scanned_ = 0;
    lines_ = 0;
    code_ = 0;
    return std::optional<Reply>(parsed->reply);
  }
}

std::string DotStuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (char c : message) {
    if (line_start && c == '.') out.push_back('.');
    out.push_back(c);
    line_start = c == '\n';
  }
  // The end-of-data line must follow a CRLF: a body ending in a bare LF or CR gets one too.
  if (!out.empty() && (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)) out += "\r\n";
  out += ".\r\n";
  return out;
}

bool AnnouncesExtension(std::string_view line, std::string_view keyword) {
  if (line.size() < 4 || line.substr(0, 3) != "250" || (line[3] != '-' && line[3] != ' ')) return false;
  std::string_view rest = line.substr(4);
  const std::size_t end = rest.find_first_of(" \r\n");
  return AsciiLower(rest.substr(0, end)) == AsciiLower(keyword);
}

}  // namespace gatehouse::connectors::mail::internal
