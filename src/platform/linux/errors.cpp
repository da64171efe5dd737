#include "platform/linux/errors.hpp"

#include <cerrno>
#include <cstring>

namespace fimon::platform {

Error errno_error(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ESTALE:
      return not_found(std::move(message));
    case EACCES:
    case EPERM:
      return {ErrorKind::kPermission, std::move(message)};
    case ENOSYS:
    case EOPNOTSUPP:
    case EINVAL:
    case ENODEV:
      return unsupported(std::move(message));
    default:
      return io_error(std::move(message));
  }
}

}  // namespace fimon::platform
