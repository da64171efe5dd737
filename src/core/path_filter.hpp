// Decides whether a path belongs to what the agent watches: under one of the watched roots and
// matching none of the exclude globs. Pure and immutable after construction, so every thread may
// share one instance.
//
// Glob syntax: '*' any run of bytes within one path component, '**' any run across components,
// '?' one byte. A pattern without '/' is matched against the file name alone ("*.swp"), a pattern
// with '/' against the whole path ("/var/log/**").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fimon {

bool glob_match(std::string_view pattern, std::string_view text);
bool glob_match(std::string_view pattern, std::string_view text, bool fold_case);
// True when any glob matches: globs without '/' match the file name, others the whole path.
bool any_glob_matches(const std::vector<std::string>& globs, std::string_view path);

// True when `path` is `root` or lies beneath it ('/' boundary; root "/" holds everything).
bool path_is_within(std::string_view path, std::string_view root);

std::string_view path_basename(std::string_view path);
std::string_view path_dirname(std::string_view path);
// The ancestor directories of `path`, shallowest first, root excluded, at most `max_depth` of them:
// "/etc/ssh/sshd_config" -> "/etc", "/etc/ssh". What a "path prefix" filter matches on exactly.
std::vector<std::string_view> path_prefixes(std::string_view path, std::size_t max_depth);
std::string path_join(std::string_view dir, std::string_view name);

class PathFilter {
 public:
  PathFilter(const std::vector<std::string>& roots, std::vector<std::string> exclude_globs,
             const std::vector<std::string>& excluded_roots = {});

  bool is_watched(std::string_view path) const;
  bool is_excluded(std::string_view path) const;
  // Watched and not excluded.
  bool accepts(std::string_view path) const { return is_watched(path) && !is_excluded(path); }
  const std::vector<std::string>& roots() const { return roots_; }

 private:
  std::vector<std::string> roots_;
  std::vector<std::string> globs_;
  std::vector<std::string> excluded_roots_;  // the agent's own files, always excluded
};

// Lexically normalises an absolute path: collapses "//", removes "." and trailing "/".
// ".." is resolved lexically. Returns it unchanged if it is not absolute.
std::string normalize_path(std::string_view path);
// "/..." or, for Windows, a drive and a separator ("C:/..." or "C:\\...").
bool is_absolute_path(std::string_view path);
// A Windows path in fimon's internal form: "C:/...". Documents show it with backslashes.
bool is_drive_path(std::string_view path);
std::string shown_path(std::string path);

}  // namespace fimon
