// FindMimeFromData sniffs the first 256 bytes against the types Windows knows.
#include <windows.h>
// urlmon.h needs windows.h's types first.
#include <urlmon.h>

#include "platform/mime.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {
// FindMimeFromData answers with Internet Explorer's legacy names; documents use the registered
// ones, as libmagic does on Linux.
std::string registered_name(std::string type) {
  if (type == "image/x-png") return "image/png";
  if (type == "image/pjpeg") return "image/jpeg";
  if (type == "application/x-zip-compressed") return "application/zip";
  if (type == "application/x-gzip-compressed") return "application/gzip";
  return type;
}
}  // namespace

std::string sniff_mime_type(const void* data, std::size_t size) {
  if (size == 0) return {};
  LPWSTR mime = nullptr;
  const DWORD n = size > 256 ? 256 : static_cast<DWORD>(size);
  if (FindMimeFromData(nullptr, nullptr, const_cast<void*>(data), n, nullptr, FMFD_DEFAULT, &mime, 0) !=
          S_OK ||
      mime == nullptr) {
    return {};
  }
  std::string out = registered_name(to_utf8(mime));
  CoTaskMemFree(mime);
  return out;
}

}  // namespace fimon::platform
