// Who things belong to: user and group names, and the process behind a pid. Cached, thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/event.hpp"

namespace fimon::platform {

std::string user_name(std::uint32_t uid);   // empty when unknown
std::string group_name(std::uint32_t gid);  // empty when unknown

// Looks the process up now (never null). `resolved` is false when it is already gone. Linux caches
// each pid's answer for a second: a run of one process's events shares one description.
ProcessRef lookup_process(std::int64_t pid);

}  // namespace fimon::platform
