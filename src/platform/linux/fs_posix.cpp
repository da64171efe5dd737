#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "platform/fs.hpp"
#include "platform/identity.hpp"
#include "platform/linux/errors.hpp"

namespace fimon::platform {
namespace {

FileType type_of(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kFile;
  if (S_ISDIR(mode)) return FileType::kDir;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  if (S_ISFIFO(mode)) return FileType::kFifo;
  if (S_ISSOCK(mode)) return FileType::kSocket;
  if (S_ISCHR(mode)) return FileType::kCharDevice;
  if (S_ISBLK(mode)) return FileType::kBlockDevice;
  return FileType::kUnknown;
}

FileMeta from_statx(const struct statx& st) {
  FileMeta m;
  m.type = type_of(st.stx_mode);
  m.size = st.stx_size;
  m.inode = st.stx_ino;
  m.device = makedev(st.stx_dev_major, st.stx_dev_minor);
  m.uid = st.stx_uid;
  m.gid = st.stx_gid;
  m.mode = st.stx_mode & 07777;
  m.mtime = static_cast<WallTimeNs>(st.stx_mtime.tv_sec) * 1000000000 + st.stx_mtime.tv_nsec;
  m.ctime = static_cast<WallTimeNs>(st.stx_ctime.tv_sec) * 1000000000 + st.stx_ctime.tv_nsec;
  if (st.stx_mask & STATX_BTIME) {
    m.btime = static_cast<WallTimeNs>(st.stx_btime.tv_sec) * 1000000000 + st.stx_btime.tv_nsec;
  }
  m.owner = user_name(m.uid);
  m.group = group_name(m.gid);
  return m;
}

constexpr off_t kSequentialHintBytes = off_t{256} * 1024;  // the analyzer's read size

Result<FileMeta> statx_at(int dirfd, const char* path, int flags) {
  struct statx st {};
  if (::statx(dirfd, path, flags | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME, &st) != 0) {
    return errno_error(errno, std::string("stat ") + (path[0] ? path : "<fd>"));
  }
  return from_statx(st);
}

}  // namespace

Result<FileMeta> stat_no_follow(const std::string& path) {
  auto meta = statx_at(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW);
  if (meta && meta->type == FileType::kSymlink) {
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n >= 0) {
      target.resize(static_cast<std::size_t>(n));
      meta->symlink_target = std::move(target);
    }
  }
  return meta;
}

Result<ReadableFile> ReadableFile::open(const std::string& path) {
  // O_NONBLOCK: a FIFO swapped in after the caller's stat must not block us; O_NOFOLLOW: never
  // hash a symlink's target; O_NOATIME: reading must not change what we monitor.
  int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
  int fd = ::open(path.c_str(), flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), flags);  // O_NOATIME needs ownership or CAP_FOWNER
  if (fd < 0) {
    if (errno == ELOOP) return unsupported("open " + path + ": is a symlink");
    if (errno == ENXIO) return unsupported("open " + path + ": is a socket or FIFO without writer");
    return errno_error(errno, "open " + path);
  }
  ReadableFile file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error(errno, "fstat " + path);
  if (!S_ISREG(st.st_mode)) return unsupported("open " + path + ": not a regular file");
  // O_NONBLOCK stays set: it kept the open from waiting on a FIFO or a lease, and reads of a
  // regular file on local filesystems ignore it; clearing it was one more syscall per analysed
  // file (and cleared O_NOATIME too). A FUSE server may see it: read() clears it on EAGAIN.
  // Read-ahead matters only beyond the analyzer's first read; a small file is one read anyway.
  if (st.st_size > kSequentialHintBytes) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return file;
}

ReadableFile::ReadableFile(ReadableFile&& other) noexcept : handle_(other.handle_) {
  other.handle_ = -1;
}

ReadableFile& ReadableFile::operator=(ReadableFile&& other) noexcept {
  if (this != &other) {
    if (handle_ >= 0) ::close(static_cast<int>(handle_));
    handle_ = other.handle_;
    other.handle_ = -1;
  }
  return *this;
}

ReadableFile::~ReadableFile() {
  if (handle_ >= 0) ::close(static_cast<int>(handle_));
}

Result<std::size_t> ReadableFile::read(void* buffer, std::size_t size) {
  const int fd = static_cast<int>(handle_);
  bool blocking = false;
  for (;;) {
    const ssize_t n = ::read(fd, buffer, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EAGAIN && !blocking) {  // a FUSE server honouring the open's O_NONBLOCK
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0) {
        blocking = true;
        continue;
      }
    }
    if (errno != EINTR) return errno_error(errno, "read");
  }
}

Result<FileMeta> ReadableFile::stat() const {
  return statx_at(static_cast<int>(handle_), "", AT_EMPTY_PATH);
}

std::optional<std::uint32_t> ReadableFile::inode_generation() const {
  // The filesystems that answer store an int; the request is declared with a long, which a FUSE
  // daemon may fill whole: room for either, and the int read from where the kernel puts it.
  alignas(long) unsigned char reply[sizeof(long)] = {};
  if (::ioctl(static_cast<int>(handle_), FS_IOC_GETVERSION, reply) != 0) return std::nullopt;  // ENOTTY: none
  int generation = 0;
  std::memcpy(&generation, reply, sizeof generation);
  return static_cast<std::uint32_t>(generation);
}

Status make_private_directory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return io_error("cannot create '" + path + "': " + ec.message());
  if (::chmod(path.c_str(), 0700) != 0)
    return errno_error(errno, "cannot restrict '" + path + "' to its owner");
  return {};
}

std::string default_state_dir() {
  return "/var/lib/fimon";
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.string();
}

Result<std::vector<std::string>> list_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno_error(errno, "open directory " + path);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(fd);
    return errno_error(err, "open directory " + path);
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) return errno_error(err, "read directory " + path);
  return names;
}

Result<AppendFile> AppendFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_error(errno, "open " + path);
  return AppendFile(fd);
}

AppendFile::AppendFile(AppendFile&& other) noexcept : handle_(std::exchange(other.handle_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    if (handle_ >= 0) ::close(static_cast<int>(handle_));
    handle_ = std::exchange(other.handle_, -1);
  }
  return *this;
}

AppendFile::~AppendFile() {
  if (handle_ >= 0) ::close(static_cast<int>(handle_));
}

Status AppendFile::write(const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(static_cast<int>(handle_), p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "write");
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

Status AppendFile::sync() {
  if (::fdatasync(static_cast<int>(handle_)) != 0) return errno_error(errno, "fdatasync");
  return {};
}

}  // namespace fimon::platform
