// UTF-8 <-> UTF-16 at the Windows API boundary. fimon's core speaks UTF-8 everywhere; only
// src/platform/windows and src/sources/windows see wide strings.
#pragma once

#include <string>
#include <string_view>

namespace fimon::platform {

std::wstring to_wide(std::string_view utf8);
// Unpaired surrogates (possible in NTFS names) become U+FFFD; escaping them reversibly is the
// ECS encoder's job once names arrive as WTF-8 (see docs/windows.md).
std::string to_utf8(std::wstring_view wide);

}  // namespace fimon::platform
