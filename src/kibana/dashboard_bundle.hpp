// The dashboard's saved objects (kibana/fimon-dashboard.ndjson, built by kibana/build_dashboard.py),
// compiled into the binary by cmake/embed_file.cmake so `fimon setup` needs no file beside it.
#pragma once

#include <string_view>

namespace fimon {

std::string_view dashboard_ndjson();

// The name Kibana's import sees, and the one the by-hand instructions give.
inline constexpr const char* kDashboardFileName = "fimon-dashboard.ndjson";

}  // namespace fimon
