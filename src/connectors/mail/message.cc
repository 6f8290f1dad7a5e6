// Builds the RFC 5322 + MIME text of a message. Choices, and why:
//   * quoted-printable for the parts, not base64: the text stays readable in a raw dump, and
//     spam filters score base64-encoded text parts (SpamAssassin MIME_BASE64_TEXT);
//   * the boundary starts with "=_", which quoted-printable output can never contain ('=' is
//     always followed by two hex digits or a line break), so no part can end the multipart early;
//   * non-ASCII, control characters, "=?" and over-long subjects become RFC 2047 encoded-words
//     (B encoding, UTF-8), split on character boundaries, each line <= 76 octets (§2).
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "connectors/mail/internal.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

constexpr std::size_t kFoldAt = 78;          // RFC 5322 §2.1.1 SHOULD
constexpr std::size_t kEncodedLineMax = 76;  // RFC 2047 §2
constexpr std::size_t kQpLineMax = 76;       // RFC 2045 §6.7 (5)

bool HasCrLfNul(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos; }

bool IsPlainPrintable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Length of the UTF-8 sequence that starts with `lead` (input is already valid UTF-8).
std::size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return 4;
}

// `text` as encoded-words joined by folds. `used` is the length of the line before the first
// word ("Subject: " is 9), so that that line stays within 76 octets as well.
std::string EncodedWords(std::string_view text, std::size_t used) {
  constexpr std::string_view kOpen = "=?UTF-8?B?", kClose = "?=";
  std::string out;
  std::size_t i = 0;
  do {
    const std::size_t room = kEncodedLineMax - used - kOpen.size() - kClose.size();
    const std::size_t max_bytes = room / 4 * 3;
    std::size_t n = 0;
    while (i + n < text.size()) {
      std::size_t len = Utf8Length(static_cast<unsigned char>(text[i + n]));
      if (n + len > max_bytes) break;
      n += len;
    }
    if (!out.empty()) out += "\r\n ";
    out += kOpen;
    out += Base64Encode(text.substr(i, n));
    out += kClose;
    i += n;
    used = 1;  // the folding space
  } while (i < text.size());
  return out;
}

// An unstructured header value (RFC 5322 §3.2.5). Printable ASCII is folded at spaces, breaking
// only before a space that precedes a word, so no line is only white space (§3.2.2).
std::string HeaderText(std::string_view name, std::string_view value) {
  std::string out = std::string(name) + ": ";
  // 900 keeps an unbreakable value under the 998-octet hard limit with room for the name.
  if (!IsPlainPrintable(value) || value.find("=?") != std::string_view::npos || value.size() > 900) {
    return out + EncodedWords(value, out.size());
  }
  std::size_t line = out.size();
  std::size_t start = 0;
  for (std::size_t i = 1; i <= value.size(); ++i) {
    const bool cut = i == value.size() || (value[i] == ' ' && i + 1 < value.size() && value[i + 1] != ' ');
    if (!cut) continue;
    const std::string_view piece = value.substr(start, i - start);  // all but the first start with ' '
    if (start > 0 && line + piece.size() > kFoldAt) {
      out += "\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
    start = i;
  }
  return out;
}

std::string FromHeader(const internal::Mailbox& from) {
  if (from.display_name.empty()) return "From: " + from.address;
  const std::string_view name = from.display_name;
  const bool plain = IsPlainPrintable(name) && name.find("=?") == std::string_view::npos && name.size() < 200;
  bool phrase = plain;  // atoms separated by spaces (RFC 5322 §3.2.5) go out as they are
  for (char c : name) phrase = phrase && (c == ' ' || internal::IsAtext(c));
  std::string out = "From: ";
  if (phrase) {
    out += name;
  } else if (plain) {
    out += '"';
    for (char c : name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out += EncodedWords(name, out.size());
  }
  const std::string angle = "<" + from.address + ">";
  const std::size_t nl = out.rfind('\n');
  const std::size_t last_line = nl == std::string::npos ? out.size() : out.size() - nl - 1;
  out += last_line + 1 + angle.size() > kFoldAt ? "\r\n " : " ";
  return out + angle;
}

std::string HexByte(unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return {'=', kHex[c >> 4], kHex[c & 15]};
}

// Quoted-printable (RFC 2045 §6.7) of one UTF-8 body. "\n" and "\r\n" become CRLF hard breaks; a
// lone CR is encoded. Trailing white space on a line and a '.' starting a line are encoded too
// (the first is stripped by some relays, the second is SMTP's end-of-data marker when a relay
// forgets to dot-stuff).
std::string QuotedPrintable(std::string_view text) {
  std::string out;
  std::size_t col = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      out += "\r\n";
      col = 0;
      continue;
    }
    const bool line_end = i + 1 == text.size() || text[i + 1] == '\n' ||
                          (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n');
    auto token = [&](std::size_t at_col) {
      const bool literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && at_col == 0)) ||
                           ((c == ' ' || c == '\t') && !line_end);
      return literal ? std::string(1, static_cast<char>(c)) : HexByte(c);
    };
    std::string t = token(col);
    // Leave room for the '=' of a soft break: encoded lines stay <= 76 octets.
    if (col + t.size() > kQpLineMax - 1) {
      out += "=\r\n";
      col = 0;
      t = token(0);
    }
    out += t;
    col += t.size();
  }
  return out;
}

std::string Date(const Clock& clock) {
  using namespace std::chrono;
  const auto now = floor<seconds>(clock.Now());
  const auto day = floor<days>(now);
  const year_month_day ymd{day};
  const hh_mm_ss hms{now - day};
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", kDays[weekday{day}.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

void AppendPart(std::string& out, std::string_view type, std::string_view body) {
  out += "Content-Type: ";
  out += type;
  out += "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += QuotedPrintable(body);
}

}  // namespace

namespace internal {

Status CheckMessage(const Message& message) {
  if (Status st = CheckAddress(message.to); !st.ok()) return InvalidArgumentError("to: " + st.message());
  if (HasCrLfNul(message.subject)) return InvalidArgumentError("subject: contains CR, LF or NUL");
  if (!IsValidUtf8(message.subject)) return InvalidArgumentError("subject: is not valid UTF-8");
  if (!IsValidUtf8(message.text)) return InvalidArgumentError("text: is not valid UTF-8");
  if (!IsValidUtf8(message.html)) return InvalidArgumentError("html: is not valid UTF-8");
  return Status::Ok();
}

}  // namespace internal

Result<std::string> BuildMessage(const Message& message, std::string_view from, Clock& clock, Random& random) {
  RETURN_IF_ERROR(internal::CheckMessage(message));
  ASSIGN_OR_RETURN(internal::Mailbox sender, internal::ParseMailbox(from));
  const std::string domain = sender.address.substr(sender.address.rfind('@') + 1);

  std::string out;
  out += "Date: " + Date(clock) + "\r\n";
  out += FromHeader(sender) + "\r\n";
  out += "To: " + message.to + "\r\n";
  out += HeaderText("Subject", message.subject) + "\r\n";
  out += "Message-ID: <" + HexEncode(random.Bytes(16)) + "@" + domain + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  if (message.html.empty()) {
    AppendPart(out, "text/plain", message.text);
    out += "\r\n";
    return out;
  }
  const std::string boundary = "=_" + HexEncode(random.Bytes(12));
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  AppendPart(out, "text/plain", message.text);
  out += "\r\n--" + boundary + "\r\n";
  AppendPart(out, "text/html", message.html);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace gatehouse::connectors::mail
