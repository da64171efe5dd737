// Text helpers for bytes that are not promised to be UTF-8 (Linux file names, process names).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fimon {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one
// (overlongs, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
bool is_valid_utf8(std::string_view s);

// Reversible display form of a path. A path that is valid UTF-8 with nothing hostile in it is
// returned unchanged with `escaped == false`. Otherwise every byte that is invalid UTF-8, a C0/C1
// control, or part of a bidirectional-override character becomes "\xHH", a backslash becomes "\\",
// and `escaped == true` (documents carry it as fim.path_escaped so readers know to unescape).
struct EscapedPath {
  std::string text;
  bool escaped = false;
};
EscapedPath escape_path(std::string_view raw);
// Inverse of escape_path for escaped == true; nullopt when `text` is not a valid escaped form.
std::optional<std::string> unescape_path(std::string_view text);

// Any byte string made safe for a JSON string value: invalid UTF-8 bytes become U+FFFD.
// For free text (process names, command lines) where reversibility is not needed.
std::string to_valid_utf8(std::string_view raw);

std::string hex_encode(const unsigned char* data, std::size_t size);
std::string base64_encode(std::string_view bytes);
// For showing content to a person: valid UTF-8 kept, tabs and newlines kept, every other control
// character and every invalid byte shown as '.'.
std::string printable_text(std::string_view bytes);

// Control characters (newlines, escape, NUL...) as \xHH, everything else unchanged: a message
// quoting user input stays on one line and cannot forge log lines or move the cursor.
std::string control_characters_escaped(std::string_view text);

// A URL as it may be shown: "https://user:secret@host/" -> "https://host/". Passwords in URLs
// must not reach logs or the terminal.
std::string url_without_credentials(std::string_view url);

}  // namespace fimon
