#include "core/text.hpp"

#include <cstdint>
#include <cstring>

namespace fimon {
namespace {

unsigned char byte_at(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}
bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

std::uint32_t decode(std::string_view s, std::size_t i, std::size_t len) {
  if (len == 1) return byte_at(s, i);
  std::uint32_t cp = byte_at(s, i) & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (byte_at(s, i + k) & 0x3F);
  return cp;
}

// Characters that would let a file name forge or disguise what an analyst reads.
bool is_hostile_code_point(std::uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F;
}

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const unsigned char c = byte_at(s, i);
  std::size_t len = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0)
    len = 2;
  else if ((c & 0xF0) == 0xE0)
    len = 3;
  else if ((c & 0xF8) == 0xF0)
    len = 4;
  else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if (!is_continuation(byte_at(s, i + k))) return 0;
  }
  const std::uint32_t cp = decode(s, i, len);
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Where the run of ASCII starting at i ends, or shortly before: 8 bytes at a time, since most of
// what is checked is ASCII and one test of a word's high bits beats decoding its bytes.
std::size_t skip_ascii_words(std::string_view s, std::size_t i) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, s.data() + i, sizeof word);
    if (word & kHighBits) break;
  }
  return i;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    i = skip_ascii_words(s, i);
    if (i >= s.size()) break;
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

EscapedPath escape_path(std::string_view raw) {
  bool needs_escaping = false;
  for (std::size_t i = 0; i < raw.size() && !needs_escaping;) {
    const std::size_t len = utf8_sequence_length(raw, i);
    needs_escaping = len == 0 || is_hostile_code_point(decode(raw, i, len));
    i += len == 0 ? 1 : len;
  }
  if (!needs_escaping) return {std::string(raw), false};

  std::string out;
  out.reserve(raw.size() + 16);
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t len = utf8_sequence_length(raw, i);
    if (len == 0 || is_hostile_code_point(decode(raw, i, len))) {
      const std::size_t n = len == 0 ? 1 : len;
      for (std::size_t k = 0; k < n; ++k) append_hex_byte(out, byte_at(raw, i + k));
      i += n;
      continue;
    }
    if (raw[i] == '\\')
      out += "\\\\";
    else
      out.append(raw.substr(i, len));
    i += len;
  }
  return {std::move(out), true};
}

std::optional<std::string> unescape_path(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      i += 1;
    } else if (i + 3 < text.size() && text[i + 1] == 'x' && hex_value(text[i + 2]) >= 0 &&
               hex_value(text[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 2]) * 16 + hex_value(text[i + 3]));
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string to_valid_utf8(std::string_view raw) {
  if (is_valid_utf8(raw)) return std::string(raw);
  std::string out;
  out.reserve(raw.size() + 8);
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t len = utf8_sequence_length(raw, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      i += 1;
    } else {
      out.append(raw.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (byte_at(bytes, i) << 16) | (byte_at(bytes, i + 1) << 8) | byte_at(bytes, i + 2);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 0x3F];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = (byte_at(bytes, i) << 16) | (rest == 2 ? byte_at(bytes, i + 1) << 8 : 0);
    out += kAlphabet[(v >> 18) & 0x3F];
    out += kAlphabet[(v >> 12) & 0x3F];
    out += rest == 2 ? kAlphabet[(v >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string printable_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      out += '.';
      ++i;
      continue;
    }
    const std::uint32_t cp = decode(bytes, i, len);
    if (cp == '\n' || cp == '\t' || !is_hostile_code_point(cp))
      out.append(bytes.substr(i, len));
    else
      out += '.';
    i += len;
  }
  return out;
}

std::string hex_encode(const unsigned char* data, std::size_t size) {
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xF];
  }
  return out;
}

std::string control_characters_escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string url_without_credentials(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto authority = scheme + 3;
  const auto end = url.find_first_of("/?#", authority);
  const auto at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  return std::string(url.substr(0, authority)) + std::string(url.substr(at + 1));
}

}  // namespace fimon
