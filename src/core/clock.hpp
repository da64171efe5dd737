// Time in fimon: wall-clock nanoseconds since the Unix epoch for event timestamps, and a steady
// clock for timers (quiet periods, batching), which must not jump when the wall clock does.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace fimon {

using WallTimeNs = std::int64_t;  // ns since 1970-01-01T00:00:00Z
using SteadyTime = std::chrono::steady_clock::time_point;

inline WallTimeNs wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline SteadyTime steady_now() {
  return std::chrono::steady_clock::now();
}

// 2026-11-24T02:07:44.123456789Z (UTC, nanoseconds; Elasticsearch's date_nanos and date both accept it).
std::string format_rfc3339(WallTimeNs t);

}  // namespace fimon
