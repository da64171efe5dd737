#include "analysis/mime_fast_path.hpp"

#include <cstdint>
#include <cstring>

#include "core/text.hpp"

namespace fimon {
namespace {

// Control characters other than tab, newline, form feed, carriage return and escape (ANSI colours
// in logs), and DEL, mean binary or a text encoding worth the sniffer's attention.
bool sniffer_byte(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1b) || c == 0x7f;
}

// Whether 8 bytes are all printable ASCII (0x20-0x7e), tested at once. With every byte below 0x80,
// one below 0x20 sets its high bit when 0x20 is taken from each (the lowest one borrows nothing),
// and 0x7f sets it when 1 is added; a borrow can only add high bits, so none is missed.
bool printable_ascii_word(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  if (w & kHighBits) return false;
  return (((w - 0x20 * kOnes) | (w + kOnes)) & kHighBits) == 0;
}

}  // namespace

std::optional<std::string> plain_text_mime_type(std::string_view head, bool whole_file) {
  if (head.empty()) return std::nullopt;
  // Openings the sniffer refines into scripts, markup, JSON, PDF/PostScript: let it.
  const auto first = head.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return std::nullopt;
  if (head.substr(0, 2) == "#!" || std::string_view("<{[%").find(head[first]) != std::string_view::npos)
    return std::nullopt;
  for (std::size_t i = 0; i < head.size();) {
    std::uint64_t word = 0;
    if (i + 8 <= head.size() &&
        (std::memcpy(&word, head.data() + i, sizeof word), printable_ascii_word(word))) {
      i += 8;
      continue;
    }
    if (sniffer_byte(static_cast<unsigned char>(head[i]))) return std::nullopt;
    ++i;
  }
  // A head cut inside a multi-byte character is still text: drop up to 3 trailing bytes of it.
  std::string_view text = head;
  if (!whole_file) {
    for (int k = 0; k < 3 && !text.empty() && (static_cast<unsigned char>(text.back()) & 0xc0) == 0x80; ++k)
      text.remove_suffix(1);
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xc0) text.remove_suffix(1);
  }
  if (!is_valid_utf8(text)) return std::nullopt;
  return std::string("text/plain");
}

}  // namespace fimon
