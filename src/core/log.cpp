#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "core/clock.hpp"

namespace fimon::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_write_mutex;
std::FILE* g_output = nullptr;  // null: stderr (which is not a constant expression)

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "?";
}
}  // namespace

void set_level(Level level) {
  g_level = static_cast<int>(level);
}
Level level() {
  return static_cast<Level>(g_level.load());
}

bool parse_level(std::string_view text, Level* out) {
  if (text == "debug")
    *out = Level::kDebug;
  else if (text == "info")
    *out = Level::kInfo;
  else if (text == "warn" || text == "warning")
    *out = Level::kWarn;
  else if (text == "error")
    *out = Level::kError;
  else
    return false;
  return true;
}

void write(Level level, std::string_view message) {
  std::string line = format_rfc3339(wall_clock_now());
  line += ' ';
  line += level_name(level);
  line += ' ';
  // One line per message: a newline in a hostile file name must not forge a log line.
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::FILE* out = g_output != nullptr ? g_output : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

void set_output(std::FILE* stream) {
  std::lock_guard<std::mutex> lock(g_write_mutex);
  g_output = stream;
}

bool should_log_occurrence(unsigned long long count) {
  return count == 1 || count % 1000 == 0;
}

}  // namespace fimon::log
