// errno -> fimon::Error, naming what was being done.
#pragma once

#include <string>

#include "core/result.hpp"

namespace fimon::platform {

Error errno_error(int err, const std::string& what);

}  // namespace fimon::platform
