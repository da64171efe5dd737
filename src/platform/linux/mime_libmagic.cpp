// libmagic's handles are not thread-safe: one per thread, opened on first use. Compressed content
// is not looked into (MAGIC_NO_CHECK_COMPRESS): the type of the bytes is what is wanted.
#include <magic.h>

#include "platform/mime.hpp"

namespace fimon::platform {
namespace {

class MagicHandle {
 public:
  MagicHandle() : cookie_(magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)) {
    if (cookie_ != nullptr && magic_load(cookie_, nullptr) != 0) {
      magic_close(cookie_);
      cookie_ = nullptr;
    }
  }
  ~MagicHandle() {
    if (cookie_ != nullptr) magic_close(cookie_);
  }
  MagicHandle(const MagicHandle&) = delete;
  MagicHandle& operator=(const MagicHandle&) = delete;
  magic_t get() const { return cookie_; }

 private:
  magic_t cookie_;
};

}  // namespace

std::string sniff_mime_type(const void* data, std::size_t size) {
  thread_local MagicHandle handle;
  if (handle.get() == nullptr || size == 0) return {};
  const char* type = magic_buffer(handle.get(), data, size);
  return type != nullptr ? std::string(type) : std::string();
}

}  // namespace fimon::platform
