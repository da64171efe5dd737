#include "analysis/text_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace fimon {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op : std::uint8_t { kKeep, kRemove, kAdd };
struct Edit {
  Op op;
  std::size_t a;  // index in before (keep/remove)
  std::size_t b;  // index in after (keep/add)
};

// Past this many inserted plus deleted lines the minimal script is not worth its memory (the trace
// grows with D^2): the middle is reported as replaced wholesale, which is still a correct diff.
constexpr std::ptrdiff_t kMaxEditDistance = 1024;

// Myers' greedy algorithm; each round keeps only its diagonals [-d, d] for backtracking.
std::vector<Edit> shortest_edit_script(const std::vector<std::string_view>& a,
                                       const std::vector<std::string_view>& b, std::size_t a_off,
                                       std::size_t b_off, std::size_t n_lines, std::size_t m_lines) {
  const auto n = static_cast<std::ptrdiff_t>(n_lines);
  const auto m = static_cast<std::ptrdiff_t>(m_lines);
  const auto line_a = [&](std::ptrdiff_t x) { return a[a_off + static_cast<std::size_t>(x)]; };
  const auto line_b = [&](std::ptrdiff_t y) { return b[b_off + static_cast<std::size_t>(y)]; };
  std::vector<std::vector<std::int32_t>> trace;  // trace[d][k + d] = furthest x on diagonal k
  std::vector<std::int32_t> prev;
  std::ptrdiff_t d_end = -1;
  for (std::ptrdiff_t d = 0; d <= std::min(n + m, kMaxEditDistance); ++d) {
    std::vector<std::int32_t> cur(static_cast<std::size_t>(2 * d + 1), 0);
    const auto get_prev = [&](std::ptrdiff_t k) { return prev[static_cast<std::size_t>(k + d - 1)]; };
    bool done = false;
    for (std::ptrdiff_t k = -d; k <= d; k += 2) {
      std::ptrdiff_t x = 0;
      if (d > 0)
        x = (k == -d || (k != d && get_prev(k - 1) < get_prev(k + 1))) ? get_prev(k + 1)
                                                                       : get_prev(k - 1) + 1;
      std::ptrdiff_t y = x - k;
      while (x < n && y < m && line_a(x) == line_b(y)) {
        ++x;
        ++y;
      }
      cur[static_cast<std::size_t>(k + d)] = static_cast<std::int32_t>(x);
      if (x >= n && y >= m) done = true;
    }
    trace.push_back(cur);
    prev = std::move(cur);
    if (done) {
      d_end = d;
      break;
    }
  }
  std::vector<Edit> edits;
  if (d_end < 0) {  // too different: everything between the common prefix and suffix is replaced
    for (std::ptrdiff_t x = 0; x < n; ++x)
      edits.push_back({Op::kRemove, a_off + static_cast<std::size_t>(x), b_off});
    for (std::ptrdiff_t y = 0; y < m; ++y) {
      edits.push_back({Op::kAdd, a_off + n_lines, b_off + static_cast<std::size_t>(y)});
    }
    return edits;
  }
  // Backtrack from (n, m) to (0, 0).
  std::ptrdiff_t x = n, y = m;
  for (std::ptrdiff_t d = d_end; d > 0; --d) {
    const auto& before_round = trace[static_cast<std::size_t>(d - 1)];
    const auto pat = [&](std::ptrdiff_t k) {
      return static_cast<std::ptrdiff_t>(before_round[static_cast<std::size_t>(k + d - 1)]);
    };
    const std::ptrdiff_t k = x - y;
    const bool down = k == -d || (k != d && pat(k - 1) < pat(k + 1));
    const std::ptrdiff_t prev_k = down ? k + 1 : k - 1;
    const std::ptrdiff_t prev_x = pat(prev_k);
    const std::ptrdiff_t prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x;
      --y;
      edits.push_back({Op::kKeep, a_off + static_cast<std::size_t>(x), b_off + static_cast<std::size_t>(y)});
    }
    if (down) {
      --y;
      edits.push_back({Op::kAdd, a_off + static_cast<std::size_t>(x), b_off + static_cast<std::size_t>(y)});
    } else {
      --x;
      edits.push_back(
          {Op::kRemove, a_off + static_cast<std::size_t>(x), b_off + static_cast<std::size_t>(y)});
    }
  }
  while (x > 0 && y > 0) {
    --x;
    --y;
    edits.push_back({Op::kKeep, a_off + static_cast<std::size_t>(x), b_off + static_cast<std::size_t>(y)});
  }
  std::reverse(edits.begin(), edits.end());
  return edits;
}

// Common leading and trailing lines are kept as is; only the middle goes through Myers.
std::vector<Edit> line_edits(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  std::vector<Edit> edits;
  for (std::size_t k = 0; k < prefix; ++k) edits.push_back({Op::kKeep, k, k});
  const auto middle =
      shortest_edit_script(a, b, prefix, prefix, a.size() - prefix - suffix, b.size() - prefix - suffix);
  edits.insert(edits.end(), middle.begin(), middle.end());
  for (std::size_t k = suffix; k > 0; --k) edits.push_back({Op::kKeep, a.size() - k, b.size() - k});
  return edits;
}

void append_line(std::string& out, char prefix, std::string_view line) {
  out += prefix;
  out.append(line);
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

bool looks_like_text(std::string_view content) {
  return content.find('\0') == std::string_view::npos;
}

UnifiedDiff unified_diff(std::string_view before, std::string_view after, std::size_t max_bytes,
                         std::size_t context) {
  UnifiedDiff result;
  if (before == after) return result;
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  const std::vector<Edit> edits = line_edits(a, b);

  // Group changes into hunks: a change plus `context` kept lines on each side; close hunks merge.
  std::size_t i = 0;
  while (i < edits.size()) {
    while (i < edits.size() && edits[i].op == Op::kKeep) ++i;
    if (i == edits.size()) break;
    const std::size_t start = i >= context ? i - context : 0;
    // Extend over later changes separated by at most 2*context unchanged lines.
    std::size_t last_change = i;
    std::size_t k = i + 1;
    while (k < edits.size()) {
      if (edits[k].op != Op::kKeep) {
        last_change = k++;
        continue;
      }
      std::size_t run_end = k;
      while (run_end < edits.size() && edits[run_end].op == Op::kKeep) ++run_end;
      if (run_end == edits.size() || run_end - k > 2 * context) break;
      k = run_end;
    }
    const std::size_t end = std::min(last_change + 1 + context, edits.size());

    std::size_t a_start = edits[start].a, b_start = edits[start].b, a_len = 0, b_len = 0;
    std::string hunk;
    for (std::size_t e_index = start; e_index < end; ++e_index) {
      const Edit& e = edits[e_index];
      if (e.op == Op::kKeep) {
        append_line(hunk, ' ', a[e.a]);
        ++a_len;
        ++b_len;
      } else if (e.op == Op::kRemove) {
        append_line(hunk, '-', a[e.a]);
        ++a_len;
        ++result.lines_removed;
      } else {
        append_line(hunk, '+', b[e.b]);
        ++b_len;
        ++result.lines_added;
      }
    }
    const std::string header = "@@ -" + std::to_string(a_len ? a_start + 1 : a_start) + "," +
                               std::to_string(a_len) + " +" + std::to_string(b_len ? b_start + 1 : b_start) +
                               "," + std::to_string(b_len) + " @@\n";
    if (!result.truncated) {
      const std::string piece = header + hunk;
      if (result.text.size() + piece.size() <= max_bytes) {
        result.text += piece;
      } else {
        // Keep whole lines that fit, then stop: the counts still cover the whole diff.
        std::size_t cut = max_bytes - result.text.size();
        const std::size_t last_nl = piece.rfind('\n', cut == 0 ? 0 : cut - 1);
        if (last_nl != std::string::npos && cut > 0) result.text += piece.substr(0, last_nl + 1);
        result.truncated = true;
      }
    }
    i = end;
  }
  return result;
}

}  // namespace fimon
