// The filesystem as analysis sees it: metadata without following symlinks, and files opened for
// one sequential read that can never block (FIFOs, devices) or follow a symlink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"

namespace fimon::platform {

// lstat-like: a symlink is reported as a symlink (with its target), never followed.
Result<FileMeta> stat_no_follow(const std::string& path);

// A regular file open for reading. Move-only; closes itself.
class ReadableFile {
 public:
  // Fails with kUnsupported when `path` is not a regular file (it is then never opened for
  // reading: FIFOs, sockets and devices must not be touched), kNotFound when it vanished,
  // kPermission when access is denied.
  static Result<ReadableFile> open(const std::string& path);

  ReadableFile(ReadableFile&& other) noexcept;
  ReadableFile& operator=(ReadableFile&& other) noexcept;
  ReadableFile(const ReadableFile&) = delete;
  ReadableFile& operator=(const ReadableFile&) = delete;
  ~ReadableFile();

  // Reads up to `size` bytes; 0 at end of file.
  Result<std::size_t> read(void* buffer, std::size_t size);
  // Metadata of the open file (the bytes read belong to exactly this file).
  Result<FileMeta> stat() const;

 private:
  explicit ReadableFile(std::intptr_t handle) : handle_(handle) {}
  std::intptr_t handle_ = -1;  // fd on POSIX, HANDLE on Windows
};

// Lists a directory's entries (names only, no "." or "..").
Result<std::vector<std::string>> list_directory(const std::string& path);

}  // namespace fimon::platform
