// libFuzzer target over what the SMTP transport reads from and writes to a mail server
// (src/connectors/mail/smtp_reply.cc). The input's first byte picks a chunk size (1 to 64); the
// rest is both the bytes a server sends and a message body.
//
// Checked on every input, besides "no crash, no sanitizer report":
//   ReplyReader
//     - fed in one piece or in chunks of the chosen size, it yields the same replies in the same
//       order and ends the same way (waiting for more, or refusing at the same reply);
//     - every reply has a code of three digits (0-999) and an enhanced subject of -1 to 99;
//     - it never waits on more than a line of kMaxLine bytes and its CR without a line end.
//   DotStuff
//     - the end-of-data sequence CRLF "." CRLF appears only at the very end (a body can never end
//       the DATA early), and the result ends with it;
//     - undoing the stuffing line by line gives the body back (with a CRLF added when the body
//       did not end with one).
//   AnnouncesExtension: no crash on any line.
//
// Built by scripts/fuzz with clang++ -fsanitize=fuzzer,address,undefined.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mail/internal.h"
#include "invariant.h"

namespace {

using gatehouse::connectors::mail::internal::AnnouncesExtension;
using gatehouse::connectors::mail::internal::DotStuff;
using gatehouse::connectors::mail::internal::ReplyReader;

// The replies a reader yields for `bytes` fed `chunk` bytes at a time, as code*100+enhanced+1
// values, then -1 when it refused the input or -2 when it waits for more.
std::vector<int> Replies(std::string_view bytes, std::size_t chunk) {
  ReplyReader reader;
  std::vector<int> out;
  std::size_t fed = 0;
  for (;;) {
    auto r = reader.Next();
    if (!r.ok()) {
      out.push_back(-1);
      return out;
    }
    if (r->has_value()) {
      const int code = (*r)->code, enhanced = (*r)->enhanced;
      CHECK(code >= 0 && code <= 999);
      CHECK(enhanced >= -1 && enhanced <= 99);
      out.push_back(code * 100 + enhanced + 1);
      continue;
    }
    if (fed == bytes.size()) {
      out.push_back(-2);
      return out;
    }
    const std::size_t n = std::min(chunk, bytes.size() - fed);
    reader.Feed(bytes.substr(fed, n));
    fed += n;
  }
}

void CheckDotStuff(std::string_view body) {
  const std::string out = DotStuff(body);
  CHECK(out.size() >= 3 && out.compare(out.size() - 3, 3, ".\r\n") == 0, out);
  const std::size_t end = out.find("\r\n.\r\n");
  if (out.size() == 3) {
    CHECK(body.empty() && end == std::string::npos, out);
  } else {
    CHECK(end == out.size() - 5, out);
  }
  // Undo: line by line (a line ends at '\n'), drop one leading '.'; stop at the "." line.
  std::string back;
  std::size_t at = 0;
  for (;;) {
    const std::size_t eol = out.find('\n', at);
    CHECK(eol != std::string::npos, out);
    std::string_view line(out.data() + at, eol + 1 - at);
    if (line == ".\r\n") {
      CHECK(eol + 1 == out.size(), out);
      break;
    }
    if (line.front() == '.') line.remove_prefix(1);
    back.append(line);
    at = eol + 1;
  }
  std::string want(body);
  if (!want.empty() && (want.size() < 2 || want.compare(want.size() - 2, 2, "\r\n") != 0)) want += "\r\n";
  CHECK(back == want, back);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::vector<int> whole = Replies(bytes, bytes.size() + 1);
  const std::vector<int> pieces = Replies(bytes, chunk);
  CHECK(whole == pieces, bytes);

  // A reader that waits holds at most one unfinished line, and refuses one past kMaxLine.
  if (whole.back() == -2) {
    const std::size_t last_nl = bytes.rfind('\n');
    const std::size_t tail = last_nl == std::string_view::npos ? bytes.size() : bytes.size() - last_nl - 1;
    CHECK(tail <= ReplyReader::kMaxLine + 1, bytes);  // + its CR
  }

  CheckDotStuff(bytes);
  (void)AnnouncesExtension(bytes, "PIPELINING");
  return 0;
}
