// The filesystem on Windows. Reparse points (symlinks, junctions) are opened as themselves
// (FILE_FLAG_OPEN_REPARSE_POINT), never followed; files are shared for read, write and delete so
// that analysing a file never blocks the program that is writing it.
#include <windows.h>
// aclapi.h needs windows.h's types first.
#include <aclapi.h>

#include <utility>

#include "platform/fs.hpp"
#include "platform/windows/accounts.hpp"
#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
// 100 ns intervals between 1601-01-01 and 1970-01-01.
constexpr long long kEpochDelta = 116444736000000000LL;

WallTimeNs to_unix_ns(long long filetime) {
  return (filetime - kEpochDelta) * 100;
}
WallTimeNs to_unix_ns(const FILETIME& ft) {
  return to_unix_ns(
      static_cast<long long>((static_cast<unsigned long long>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime));
}

Result<FileMeta> meta_of(HANDLE h, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION info{};
  if (!GetFileInformationByHandle(h, &info)) return win32_error(GetLastError(), "stat " + path);
  FileMeta m;
  if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
    m.type = FileType::kSymlink;
  else if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
    m.type = FileType::kDir;
  else if (GetFileType(h) == FILE_TYPE_DISK)
    m.type = FileType::kFile;
  else
    m.type = FileType::kUnknown;
  m.size = (static_cast<std::uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  m.inode = (static_cast<std::uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  m.device = info.dwVolumeSerialNumber;
  // Windows has no uid, gid or mode bits: the attributes instead, and the owner's SID (read_owner).
  m.posix_ids = false;
  m.mode = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;  // compared, not shown
  static constexpr std::pair<DWORD, const char*> kAttributes[] = {
      {FILE_ATTRIBUTE_READONLY, "readonly"},     {FILE_ATTRIBUTE_HIDDEN, "hidden"},
      {FILE_ATTRIBUTE_SYSTEM, "system"},         {FILE_ATTRIBUTE_ARCHIVE, "archive"},
      {FILE_ATTRIBUTE_COMPRESSED, "compressed"}, {FILE_ATTRIBUTE_ENCRYPTED, "encrypted"},
      {FILE_ATTRIBUTE_TEMPORARY, "temporary"},   {FILE_ATTRIBUTE_OFFLINE, "offline"},
      {FILE_ATTRIBUTE_SPARSE_FILE, "sparse"},    {FILE_ATTRIBUTE_NOT_CONTENT_INDEXED, "not_content_indexed"}};
  for (const auto& [bit, name] : kAttributes) {
    if (info.dwFileAttributes & bit) m.attributes.emplace_back(name);
  }
  m.mtime = to_unix_ns(info.ftLastWriteTime);
  m.btime = to_unix_ns(info.ftCreationTime);
  FILE_BASIC_INFO basic{};
  m.ctime = GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)
                ? to_unix_ns(basic.ChangeTime.QuadPart)
                : m.mtime;
  return m;
}

HANDLE open_handle(const std::string& path, DWORD access, DWORD flags) {
  return CreateFileW(to_wide(path).c_str(), access, kShareAll, nullptr, OPEN_EXISTING,
                     FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT | flags, nullptr);
}

// The owner's SID and account name (file.uid, file.owner).
void read_owner(HANDLE h, FileMeta& m) {
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr, nullptr,
                      &descriptor) != ERROR_SUCCESS) {
    return;
  }
  Account account = account_of(owner);
  LocalFree(descriptor);
  // uid holds a fingerprint of the SID (FNV-1a), compared with the baseline's like a uid, never
  // shown: a new owner (takeown, icacls /setowner) is then a change of attributes.
  std::uint32_t fingerprint = 2166136261U;
  for (unsigned char c : account.sid) fingerprint = (fingerprint ^ c) * 16777619U;
  m.uid = fingerprint;
  m.owner_id = std::move(account.sid);
  m.owner = std::move(account.name);
}

}  // namespace

Result<FileMeta> stat_no_follow(const std::string& path) {
  // READ_CONTROL for the owner; a file whose ACL refuses it is still described, without one.
  HANDLE h = open_handle(path, FILE_READ_ATTRIBUTES | READ_CONTROL, 0);
  const bool with_owner = h != INVALID_HANDLE_VALUE;
  if (!with_owner && GetLastError() == ERROR_ACCESS_DENIED) h = open_handle(path, FILE_READ_ATTRIBUTES, 0);
  if (h == INVALID_HANDLE_VALUE) return win32_error(GetLastError(), "stat " + path);
  auto meta = meta_of(h, path);
  if (meta && with_owner) read_owner(h, *meta);
  CloseHandle(h);
  return meta;
}

Result<ReadableFile> ReadableFile::open(const std::string& path) {
  HANDLE h = open_handle(path, GENERIC_READ, FILE_FLAG_SEQUENTIAL_SCAN);
  if (h == INVALID_HANDLE_VALUE) return win32_error(GetLastError(), "open " + path);
  ReadableFile file(reinterpret_cast<std::intptr_t>(h));
  auto meta = meta_of(h, path);
  if (!meta) return meta.error();
  if (meta->type != FileType::kFile) return unsupported("open " + path + ": not a regular file");
  return file;
}

ReadableFile::ReadableFile(ReadableFile&& other) noexcept : handle_(other.handle_) {
  other.handle_ = -1;
}

ReadableFile& ReadableFile::operator=(ReadableFile&& other) noexcept {
  if (this != &other) {
    if (handle_ != -1) CloseHandle(reinterpret_cast<HANDLE>(handle_));
    handle_ = other.handle_;
    other.handle_ = -1;
  }
  return *this;
}

ReadableFile::~ReadableFile() {
  if (handle_ != -1) CloseHandle(reinterpret_cast<HANDLE>(handle_));
}

Result<std::size_t> ReadableFile::read(void* buffer, std::size_t size) {
  DWORD got = 0;
  const DWORD want = size > 0x7FFFFFFF ? 0x7FFFFFFF : static_cast<DWORD>(size);
  if (!ReadFile(reinterpret_cast<HANDLE>(handle_), buffer, want, &got, nullptr)) {
    return win32_error(GetLastError(), "read");
  }
  return static_cast<std::size_t>(got);
}

Result<FileMeta> ReadableFile::stat() const {
  return meta_of(reinterpret_cast<HANDLE>(handle_), "<open file>");
}

std::optional<std::uint32_t> ReadableFile::inode_generation() const {
  return std::nullopt;  // ETW files writes by name: nothing to tell apart
}

std::string default_state_dir() {
  wchar_t buffer[MAX_PATH];
  const DWORD n = GetEnvironmentVariableW(L"ProgramData", buffer, MAX_PATH);
  std::string base = n > 0 && n < MAX_PATH ? to_utf8(std::wstring_view(buffer, n)) : "C:/ProgramData";
  for (auto& c : base) {
    if (c == '\\') c = '/';
  }
  return base + "/fimon";
}

std::string absolute_path(const std::string& path) {
  const std::wstring wide = to_wide(path);
  const DWORD needed = GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
  if (needed == 0) return path;
  std::wstring full(needed, L'\0');
  const DWORD written = GetFullPathNameW(wide.c_str(), needed, full.data(), nullptr);
  if (written == 0 || written >= needed) return path;
  full.resize(written);
  std::string out = to_utf8(full);
  for (auto& c : out) {
    if (c == '\\') c = '/';
  }
  return out;
}

Result<std::vector<std::string>> list_directory(const std::string& path) {
  WIN32_FIND_DATAW data{};
  HANDLE find = FindFirstFileExW(to_wide(path + "\\*").c_str(), FindExInfoBasic, &data, FindExSearchNameMatch,
                                 nullptr, FIND_FIRST_EX_LARGE_FETCH);
  if (find == INVALID_HANDLE_VALUE) return win32_error(GetLastError(), "open directory " + path);
  std::vector<std::string> names;
  do {
    const std::wstring_view name = data.cFileName;
    if (name != L"." && name != L"..") names.push_back(to_utf8(name));
  } while (FindNextFileW(find, &data));
  const DWORD err = GetLastError();
  FindClose(find);
  if (err != ERROR_NO_MORE_FILES) return win32_error(err, "read directory " + path);
  return names;
}

Result<AppendFile> AppendFile::open(const std::string& path) {
  // The state directory's ACL (SYSTEM and Administrators) protects it; no sharing for writers.
  HANDLE h = CreateFileW(to_wide(path).c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_DELETE,
                         nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return win32_error(GetLastError(), "open " + path);
  return AppendFile(reinterpret_cast<std::intptr_t>(h));
}

AppendFile::AppendFile(AppendFile&& other) noexcept : handle_(std::exchange(other.handle_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    if (handle_ != -1) CloseHandle(reinterpret_cast<HANDLE>(handle_));
    handle_ = std::exchange(other.handle_, -1);
  }
  return *this;
}

AppendFile::~AppendFile() {
  if (handle_ != -1) CloseHandle(reinterpret_cast<HANDLE>(handle_));
}

Status AppendFile::write(const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const DWORD chunk = size > (1U << 30) ? (1U << 30) : static_cast<DWORD>(size);
    DWORD written = 0;
    if (!WriteFile(reinterpret_cast<HANDLE>(handle_), p, chunk, &written, nullptr))
      return win32_error(GetLastError(), "write");
    p += written;
    size -= written;
  }
  return {};
}

Status AppendFile::sync() {
  if (!FlushFileBuffers(reinterpret_cast<HANDLE>(handle_))) return win32_error(GetLastError(), "flush");
  return {};
}

}  // namespace fimon::platform
