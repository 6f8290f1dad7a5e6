// Address rules for the mail transport. Deliberately narrower than RFC 5322: the addresses go
// into both a header and the SMTP envelope, and every construct left out here (quoted local
// parts, comments, address literals, group syntax, non-ASCII) is a place where one address can
// be read as two or smuggle a line break.
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/strings.h"
#include "connectors/mail/internal.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

constexpr std::size_t kMaxAddress = 254;  // RFC 5321 §4.5.3.1.3 path limit, minus the brackets
constexpr std::size_t kMaxLocal = 64;     // RFC 5321 §4.5.3.1.1
constexpr std::size_t kMaxLabel = 63;

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

Status Bad(std::string_view why) { return InvalidArgumentError("address " + std::string(why)); }

Status CheckLocalPart(std::string_view local) {
  if (local.empty()) return Bad("has an empty local part");
  if (local.size() > kMaxLocal) return Bad("has a local part over 64 octets");
  bool after_dot = true;  // a leading dot counts as a dot after a dot
  for (char c : local) {
    if (c == '.') {
      if (after_dot) return Bad("has an empty dot-atom in its local part");
      after_dot = true;
    } else if (internal::IsAtext(c)) {
      after_dot = false;
    } else {
      return Bad("has a character outside RFC 5322 atext in its local part");
    }
  }
  if (after_dot) return Bad("has a local part ending in a dot");
  return Status::Ok();
}

Status CheckDomain(std::string_view domain) {
  if (domain.empty()) return Bad("has an empty domain");
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return Bad("has an empty domain label");
    if (label.size() > kMaxLabel) return Bad("has a domain label over 63 octets");
    if (label.front() == '-' || label.back() == '-') return Bad("has a domain label starting or ending with '-'");
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return Bad("has a domain that is not letters, digits, '-' and dots");
    }
    if (dot == std::string_view::npos) return Status::Ok();
    start = dot + 1;
  }
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

Status BadFrom(std::string_view why) { return InvalidArgumentError("from: " + std::string(why)); }

}  // namespace

Status CheckAddress(std::string_view address) {
  if (address.empty()) return Bad("is empty");
  if (address.size() > kMaxAddress) return Bad("is over 254 octets");
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return Bad("has no '@'");
  // A second '@' fails CheckLocalPart ('@' is not atext), so rfind vs find does not matter.
  RETURN_IF_ERROR(CheckLocalPart(address.substr(0, at)));
  return CheckDomain(address.substr(at + 1));
}

namespace internal {

bool IsAtext(char c) { return IsAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos; }

Result<Mailbox> ParseMailbox(std::string_view from) {
  if (from.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return BadFrom("contains CR, LF or NUL");
  }
  if (HasControl(from)) return BadFrom("contains a control character");
  if (!IsValidUtf8(from)) return BadFrom("is not valid UTF-8");
  std::string_view s = TrimBlanks(from);
  Mailbox out;
  if (s.empty() || s.back() != '>') {
    out.address = std::string(s);
  } else {
    std::size_t open = s.rfind('<');
    if (open == std::string_view::npos) return BadFrom("has '>' without '<'");
    out.address = std::string(s.substr(open + 1, s.size() - open - 2));
    std::string_view name = TrimBlanks(s.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      // A quoted-string (RFC 5322 §3.2.4): drop the quotes, undo the backslash escapes.
      name = name.substr(1, name.size() - 2);
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        else if (name[i] == '"') return BadFrom("has an unescaped '\"' inside the quoted name");
        out.display_name += name[i];
      }
    } else {
      if (name.find('"') != std::string_view::npos) return BadFrom("has unbalanced quotes in the name");
      out.display_name = std::string(name);
    }
    if (out.display_name.find_first_of("<>") != std::string::npos) {
      return BadFrom("has angle brackets in the name");
    }
  }
  if (Status st = CheckAddress(out.address); !st.ok()) return BadFrom(st.message());
  return out;
}

}  // namespace internal
}  // namespace gatehouse::connectors::mail
