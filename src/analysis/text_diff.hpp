// A unified diff of two texts, computed in process (no `diff` to shell out to, nothing to inject
// into): Myers' O((N+M)·D) shortest edit script over lines, hunks with three lines of context, the
// output capped at `max_bytes` on a line boundary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fimon {

struct UnifiedDiff {
  std::string text;  // "@@ -a,b +c,d @@" hunks, lines prefixed ' ', '-', '+'; empty when equal
  bool truncated = false;
  std::size_t lines_added = 0;
  std::size_t lines_removed = 0;
};

UnifiedDiff unified_diff(std::string_view before, std::string_view after,
                         std::size_t max_bytes = std::size_t{16} << 10, std::size_t context = 3);

// Heuristic: content worth diffing as text (no NUL byte in it).
bool looks_like_text(std::string_view content);

}  // namespace fimon
