// Win32 error codes -> fimon::Error, naming what was being done.
#pragma once

#include <string>

#include "core/result.hpp"

namespace fimon::platform {

Error win32_error(unsigned long code, const std::string& what);

}  // namespace fimon::platform
