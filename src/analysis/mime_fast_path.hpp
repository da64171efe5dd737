// Plain text recognised without libmagic. libmagic runs its whole text database (hundreds of
// regular expressions) over every text file, about 1 ms for 3 KB here, which made it two thirds of
// the agent's CPU in a burst of new files. UTF-8 text without a shebang or a markup, JSON or PDF
// opening is named text/plain here in microseconds, where libmagic might have said text/x-c or
// text/x-diff (a refinement the dashboard does not use); anything else still goes to the sniffer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fimon {

// "text/plain" when `head` (a file's first bytes) is plain UTF-8 text; nullopt: ask the sniffer.
std::optional<std::string> plain_text_mime_type(std::string_view head, bool whole_file);

}  // namespace fimon
