#include "analysis/mime_fast_path.hpp"

#include "core/text.hpp"

namespace fimon {

std::optional<std::string> plain_text_mime_type(std::string_view head, bool whole_file) {
  if (head.empty()) return std::nullopt;
  // Openings the sniffer refines into scripts, markup, JSON, PDF/PostScript: let it.
  const auto first = head.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return std::nullopt;
  if (head.substr(0, 2) == "#!" || std::string_view("<{[%").find(head[first]) != std::string_view::npos)
    return std::nullopt;
  for (const unsigned char c : head) {
    // Control characters other than tab, newline, form feed, carriage return and escape (ANSI
    // colours in logs) mean binary or a text encoding worth the sniffer's attention.
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1b) return std::nullopt;
    if (c == 0x7f) return std::nullopt;
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
