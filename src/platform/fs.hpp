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

// `path` made absolute against the working directory, in fimon's form: '/'-separated, and on
// Windows starting with the drive ("C:/data"). Unchanged when it cannot be resolved.
std::string absolute_path(const std::string& path);
// Where the agent keeps its state unless told otherwise: /var/lib/fimon, %ProgramData%/fimon.
std::string default_state_dir();
// Creates `path` (and its parents) if missing and lets only the agent's own user into it, and what
// is already in it: mode 0700 on Linux; on Windows a protected DACL (nothing inherited from
// %ProgramData%, which lets every user read) granting full control to SYSTEM, Administrators and
// the current user, inherited by everything inside. The state holds excerpts, diffs and config.
Status make_private_directory(const std::string& path);

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
  // The inode's generation (Linux: FS_IOC_GETVERSION), where the filesystem reports one.
  std::optional<std::uint32_t> inode_generation() const;

 private:
  explicit ReadableFile(std::intptr_t handle) : handle_(handle) {}
  std::intptr_t handle_ = -1;  // fd on POSIX, HANDLE on Windows
};

// A file open for appending, created owner-only (0600 on POSIX) when missing. Move-only.
class AppendFile {
 public:
  static Result<AppendFile> open(const std::string& path);

  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();

  // Writes all of it or fails (a failed write may have appended part: the caller truncates).
  Status write(const void* data, std::size_t size);
  // Makes what was written durable (fdatasync / FlushFileBuffers).
  Status sync();

 private:
  explicit AppendFile(std::intptr_t handle) : handle_(handle) {}
  std::intptr_t handle_ = -1;
};

// Lists a directory's entries (names only, no "." or "..").
Result<std::vector<std::string>> list_directory(const std::string& path);

}  // namespace fimon::platform
