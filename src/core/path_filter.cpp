#include "core/path_filter.hpp"

#include <algorithm>
#include <cctype>

namespace fimon {
namespace {

// Windows paths compare without regard to case (ASCII letters; NTFS's full Unicode upcase table
// is not applied), Linux paths exactly.
bool same_char(char a, char b, bool fold_case) {
  return a == b || (fold_case && std::tolower(static_cast<unsigned char>(a)) ==
                                     std::tolower(static_cast<unsigned char>(b)));
}

bool starts_with(std::string_view text, std::string_view prefix, bool fold_case) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (!same_char(text[i], prefix[i], fold_case)) return false;
  }
  return true;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  return glob_match(p, t, false);
}

bool glob_match(std::string_view p, std::string_view t, bool fold_case) {
  // Iterative matcher with one backtrack point per star kind; '**' may cross '/'.
  std::size_t pi = 0, ti = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  bool star_crosses = false;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_crosses = pi + 1 < p.size() && p[pi + 1] == '*';
      pi += star_crosses ? 2 : 1;
      star_p = pi;
      star_t = ti;
      continue;
    }
    if (pi < p.size() && (p[pi] == '?' ? t[ti] != '/' : same_char(p[pi], t[ti], fold_case))) {
      ++pi;
      ++ti;
      continue;
    }
    if (star_p != std::string_view::npos && (star_crosses || t[star_t] != '/')) {
      pi = star_p;
      ti = ++star_t;
      continue;
    }
    return false;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool any_glob_matches(const std::vector<std::string>& globs, std::string_view path) {
  const std::string_view name = path_basename(path);
  const bool fold_case = is_drive_path(path);
  for (const auto& glob : globs) {
    const bool whole_path = glob.find('/') != std::string::npos;
    if (glob_match(glob, whole_path ? path : name, fold_case)) return true;
  }
  return false;
}

bool path_is_within(std::string_view path, std::string_view root) {
  const bool fold_case = is_drive_path(root);
  if (!starts_with(path, root, fold_case)) return false;
  if (!root.empty() && root.back() == '/') return true;  // "/", "C:/"
  return path.size() == root.size() || path[root.size()] == '/';
}

std::string_view path_basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view path_dirname(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::vector<std::string_view> path_prefixes(std::string_view path, std::size_t max_depth) {
  std::vector<std::string_view> out;
  for (std::size_t slash = path.find('/', 1); slash != std::string_view::npos && out.size() < max_depth;
       slash = path.find('/', slash + 1)) {
    if (path[slash - 1] != '/') out.push_back(path.substr(0, slash));  // "//" adds no level
  }
  return out;
}

std::string path_join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

PathFilter::PathFilter(const std::vector<std::string>& roots, std::vector<std::string> exclude_globs,
                       const std::vector<std::string>& excluded_roots)
    : globs_(std::move(exclude_globs)) {
  for (auto& r : roots) roots_.push_back(normalize_path(r));
  for (auto& r : excluded_roots) excluded_roots_.push_back(normalize_path(r));
}

bool PathFilter::is_watched(std::string_view path) const {
  for (const auto& root : roots_) {
    if (path_is_within(path, root)) return true;
  }
  return false;
}

bool PathFilter::is_excluded(std::string_view path) const {
  for (const auto& root : excluded_roots_) {
    if (path_is_within(path, root)) return true;
  }
  return any_glob_matches(globs_, path);
}

bool is_drive_path(std::string_view path) {
  return path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
         path[2] == '/';
}

std::string shown_path(std::string path) {
  if (is_drive_path(path)) std::replace(path.begin(), path.end(), '/', '\\');
  return path;
}

bool is_absolute_path(std::string_view path) {
  if (!path.empty() && path[0] == '/') return true;
  return path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
         (path[2] == '/' || path[2] == '\\');
}

std::string normalize_path(std::string_view path) {
  // A Windows path in fimon's form ("C:/data/x"): the drive, then a rooted path like any other.
  if (is_drive_path(path)) {
    const char drive = static_cast<char>(std::toupper(static_cast<unsigned char>(path[0])));
    return std::string{drive, ':'} + normalize_path(path.substr(2));
  }
  if (path.empty() || path[0] != '/') return std::string(path);
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    const std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j;
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

}  // namespace fimon
