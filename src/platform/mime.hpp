// The media type of content, from its first bytes (libmagic on Linux, FindMimeFromData on
// Windows). Thread-safe; returns "" when unknown.
#pragma once

#include <cstddef>
#include <string>

namespace fimon::platform {

inline constexpr std::size_t kMimeSniffBytes = 8192;  // what analysis keeps from the first read

std::string sniff_mime_type(const void* data, std::size_t size);

}  // namespace fimon::platform
