#include "platform/windows/errors.hpp"

#include <windows.h>

namespace fimon::platform {

Error win32_error(unsigned long code, const std::string& what) {
  std::string message = what + ": Win32 error " + std::to_string(code);
  switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_DELETE_PENDING:
      return not_found(std::move(message));
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
      return {ErrorKind::kPermission, std::move(message)};
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION:
      return unsupported(std::move(message));
    default:
      return io_error(std::move(message));
  }
}

}  // namespace fimon::platform
