// Process-wide logging: one line per message on stderr, "LEVEL message", thread-safe.
// Deliberately tiny: the agent's own log must never be a source of file events (it goes to
// stderr, which journald or the service manager owns), and secrets are never passed to it.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace fimon::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level* out);
void write(Level level, std::string_view message);
// Where lines go: standard error unless set (a service has none: it logs to a file). The stream
// stays open for the rest of the process.
void set_output(std::FILE* stream);

// Loss and failure counters log the 1st and every 1000th occurrence, not each one.
bool should_log_occurrence(unsigned long long count);

namespace detail {
template <typename... Args>
std::string join(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace detail

template <typename... Args>
void debug(const Args&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, detail::join(args...));
}
template <typename... Args>
void info(const Args&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, detail::join(args...));
}
template <typename... Args>
void warn(const Args&... args) {
  if (level() <= Level::kWarn) write(Level::kWarn, detail::join(args...));
}
template <typename... Args>
void error(const Args&... args) {
  write(Level::kError, detail::join(args...));
}

}  // namespace fimon::log
