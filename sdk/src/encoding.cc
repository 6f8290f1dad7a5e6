#include "encoding.h"

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace gatehouse::sdk::detail {
namespace {

// Built at compile time so that encoding a byte costs one table load, not a chain of range tests.
constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : {'-', '.', '_', '~'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kUnreserved = make_unreserved();
constexpr char kHexUpper[] = "0123456789ABCDEF";

inline unsigned unreserved(char c) { return kUnreserved[static_cast<unsigned char>(c)]; }

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Reverse alphabet: the 6-bit value of each character, or -1 for a character outside it.
constexpr std::array<std::int8_t, 256> make_reverse(const char (&alphabet)[65]) {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr std::array<std::int8_t, 256> kBase64Reverse = make_reverse(kBase64);

std::string encode(std::string_view bytes, const char (&alphabet)[65], bool pad) {
  const std::size_t full = bytes.size() / 3;
  const std::size_t rest = bytes.size() % 3;
  std::string out;
  out.resize(full * 4 + (rest == 0 ? 0 : (pad ? 4 : rest + 1)));
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  char* o = out.data();
  for (std::size_t i = 0; i < full; ++i, in += 3) {
    const std::uint32_t v = (std::uint32_t{in[0]} << 16) | (std::uint32_t{in[1]} << 8) | in[2];
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    *o++ = alphabet[v & 63];
  }
  if (rest != 0) {
    const std::uint32_t v = (std::uint32_t{in[0]} << 16) | (rest == 2 ? std::uint32_t{in[1]} << 8 : 0);
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    if (rest == 2) *o++ = alphabet[(v >> 6) & 63];
    if (pad) {
      *o++ = '=';
      if (rest == 1) *o++ = '=';
    }
  }
  return out;
}

// Decodes unpadded text of the given alphabet. A length of 4k+1 cannot come from any byte string.
// Unused trailing bits are tolerated (base64url_decode_into is the strict one).
std::optional<std::string> decode(std::string_view text, const std::array<std::int8_t, 256>& reverse) {
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return std::nullopt;
  std::string out;
  out.resize(text.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1));
  char* o = out.data();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const std::int8_t v = reverse[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// The 6-bit value of each base64url character, pre-shifted to its place in a 24-bit group
// (table k for the k-th character of four), or kBad for any other byte: a group is four loads
// and three ORs, and one OR over all groups tells whether any character was bad.
constexpr std::uint32_t kBad = 0x01000000u;
constexpr std::array<std::uint32_t, 256> make_table(int shift) {
  std::array<std::uint32_t, 256> t{};
  for (auto& v : t) v = kBad;
  constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::uint32_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i << shift;
  return t;
}
constexpr std::array<std::uint32_t, 256> kD0 = make_table(18);
constexpr std::array<std::uint32_t, 256> kD1 = make_table(12);
constexpr std::array<std::uint32_t, 256> kD2 = make_table(6);
constexpr std::array<std::uint32_t, 256> kD3 = make_table(0);

}  // namespace

bool base64url_decode_into(std::string_view text, std::string& out) {
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return false;
  const std::size_t size = text.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1);
  out.resize(size);
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::uint32_t bad = 0;
  for (std::size_t n = text.size() / 4; n > 0; --n, in += 4, o += 3) {
    const std::uint32_t v = kD0[in[0]] | kD1[in[1]] | kD2[in[2]] | kD3[in[3]];
    bad |= v;
    o[0] = static_cast<unsigned char>(v >> 16);
    o[1] = static_cast<unsigned char>(v >> 8);
    o[2] = static_cast<unsigned char>(v);
  }
  if (rest >= 2) {
    const std::uint32_t v = kD0[in[0]] | kD1[in[1]] | (rest == 3 ? kD2[in[2]] : 0);
    bad |= v;
    o[0] = static_cast<unsigned char>(v >> 16);
    if (rest == 3) o[1] = static_cast<unsigned char>(v >> 8);
    // The bits of the last character that carry no byte must be zero (one encoding per value).
    bad |= (v & (rest == 3 ? 0xFFu : 0xFFFFu)) != 0 ? kBad : 0;
  }
  return (bad & kBad) == 0;
}

void append_url_encoded(std::string& out, std::string_view s) {
  // Runs of unreserved bytes are appended whole: identifiers, states, nonces and PKCE challenges
  // are a single run, so the common case is one scan and one copy into the caller's reserved space.
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    const char* const run = p;
    // Eight bytes per test first: independent loads and one branch instead of eight.
    while (end - p >= 8 && (unreserved(p[0]) & unreserved(p[1]) & unreserved(p[2]) & unreserved(p[3]) &
                            unreserved(p[4]) & unreserved(p[5]) & unreserved(p[6]) & unreserved(p[7]))) {
      p += 8;
    }
    while (p != end && unreserved(*p)) ++p;
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    const auto b = static_cast<unsigned char>(*p++);
    const char escaped[3] = {'%', kHexUpper[b >> 4], kHexUpper[b & 15]};
    out.append(escaped, 3);
  }
}

std::string base64url_encode(std::string_view bytes) { return encode(bytes, kBase64Url, false); }

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  if (!base64url_decode_into(text, out)) return std::nullopt;
  return out;
}

std::string base64_encode(std::string_view bytes) { return encode(bytes, kBase64, true); }

std::optional<std::string> base64_decode(std::string_view text) {
  // Padding is optional, but when present it must complete the last quantum exactly ("QQ==",
  // "QUI="): stray or surplus "=" is not base64. Unused trailing bits are tolerated, as most
  // decoders (Node's Buffer, Go's StdEncoding) tolerate them, so that a key or signature another
  // SDK accepts is accepted here too.
  if (!text.empty() && text.back() == '=') {
    if (text.size() % 4 != 0) return std::nullopt;
    text.remove_suffix(1);
    if (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 < 2) return std::nullopt;
  }
  return decode(text, kBase64Reverse);
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gatehouse::sdk::detail
