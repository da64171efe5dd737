#include "sources/windows/usn_journal.hpp"

#include <windows.h>
// winioctl.h needs windows.h's types first.
#include <winioctl.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"

namespace fimon {
namespace {

// Debian's mingw-w64 headers lack the V1 read request (which asks for V3 records, the only kind
// with ReFS's 128-bit ids); its layout is winioctl.h's.
struct ReadUsnJournalDataV1 {
  LONGLONG StartUsn;
  DWORD ReasonMask;
  DWORD ReturnOnlyOnClose;
  DWORDLONG Timeout;
  DWORDLONG BytesToWaitFor;
  DWORDLONG UsnJournalID;
  WORD MinMajorVersion;
  WORD MaxMajorVersion;
};

constexpr DWORD kReadBufferBytes = 64 * 1024;

std::string to_fimon_path(std::wstring wide) {
  // GetFinalPathNameByHandleW answers "\\?\C:\dir\name".
  if (wide.rfind(L"\\\\?\\", 0) == 0) wide.erase(0, 4);
  std::string out = platform::to_utf8(wide);
  for (auto& c : out) {
    if (c == '\\') c = '/';
  }
  return out;
}

std::string cursor_file(const std::string& state_dir, const std::string& volume) {
  std::string name = volume;
  for (auto& c : name) {
    if (c == ':' || c == '/' || c == '\\') c = '_';
  }
  return state_dir + "/usn-" + name + ".cursor";
}

}  // namespace

Result<std::unique_ptr<UsnJournal>> UsnJournal::open(const std::string& root) {
  wchar_t mount[MAX_PATH];
  if (!GetVolumePathNameW(platform::to_wide(root).c_str(), mount, MAX_PATH)) {
    return platform::win32_error(GetLastError(), "usn: the volume of " + root);
  }
  std::wstring device = mount;  // "C:\" -> "\\.\C:"
  if (!device.empty() && device.back() == L'\\') device.pop_back();
  const std::string volume = platform::to_utf8(device);
  HANDLE h = CreateFileW((L"\\\\.\\" + device).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         nullptr, OPEN_EXISTING, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return platform::win32_error(GetLastError(), "usn: opening volume " + volume + " (administrators only)");
  }
  return std::unique_ptr<UsnJournal>(new UsnJournal(h, volume));
}

UsnJournal::~UsnJournal() {
  CloseHandle(static_cast<HANDLE>(handle_));
}

Result<UsnCursor> UsnJournal::current() {
  USN_JOURNAL_DATA data{};
  DWORD bytes = 0;
  if (!DeviceIoControl(static_cast<HANDLE>(handle_), FSCTL_QUERY_USN_JOURNAL, nullptr, 0, &data, sizeof data,
                       &bytes, nullptr)) {
    return platform::win32_error(GetLastError(), "usn: no change journal on " + volume_);
  }
  first_usn_ = data.FirstUsn;
  return UsnCursor{data.UsnJournalID, data.NextUsn};
}

Result<std::vector<UsnRecord>> UsnJournal::read_since(const UsnCursor& from) {
  auto now = current();
  if (!now) return now.error();
  if (now->journal_id != from.journal_id) {
    return not_found("usn: the change journal of " + volume_ + " was recreated since the last run");
  }
  if (from.next_usn < first_usn_) {
    return not_found("usn: the change journal of " + volume_ +
                     " no longer holds the records since the last run");
  }
  std::vector<UsnRecord> records;
  std::vector<unsigned char> buffer(kReadBufferBytes);
  ReadUsnJournalDataV1 request{};
  request.StartUsn = from.next_usn;
  request.ReasonMask = 0xFFFFFFFF;
  request.UsnJournalID = from.journal_id;
  request.MinMajorVersion = 2;
  request.MaxMajorVersion = 3;
  while (request.StartUsn < now->next_usn) {
    DWORD bytes = 0;
    if (!DeviceIoControl(static_cast<HANDLE>(handle_), FSCTL_READ_USN_JOURNAL, &request, sizeof request,
                         buffer.data(), kReadBufferBytes, &bytes, nullptr)) {
      const DWORD error = GetLastError();
      if (error == ERROR_JOURNAL_ENTRY_DELETED || error == ERROR_JOURNAL_DELETE_IN_PROGRESS) {
        return not_found("usn: the change journal of " + volume_ + " dropped records while being read");
      }
      return platform::win32_error(error, "usn: reading the change journal of " + volume_);
    }
    UsnBatch batch = parse_usn_buffer(buffer.data(), bytes);
    if (batch.next_usn <= request.StartUsn) break;  // nothing further
    for (auto& r : batch.records) records.push_back(std::move(r));
    request.StartUsn = batch.next_usn;
  }
  return records;
}

std::string UsnJournal::path_of(const UsnFileId& id) {
  FILE_ID_DESCRIPTOR descriptor{};
  descriptor.dwSize = sizeof descriptor;
  if (id.high == 0) {
    descriptor.Type = FileIdType;
    descriptor.FileId.QuadPart = static_cast<LONGLONG>(id.low);
  } else {
    descriptor.Type = ExtendedFileIdType;
    std::memcpy(descriptor.ExtendedFileId.Identifier, &id.low, 8);
    std::memcpy(descriptor.ExtendedFileId.Identifier + 8, &id.high, 8);
  }
  // No access to the content: only the name is wanted (and directories need backup semantics).
  HANDLE h = OpenFileById(static_cast<HANDLE>(handle_), &descriptor, 0,
                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                          FILE_FLAG_BACKUP_SEMANTICS);
  if (h == INVALID_HANDLE_VALUE) return {};
  std::wstring path(32768, L'\0');
  const DWORD n =
      GetFinalPathNameByHandleW(h, path.data(), static_cast<DWORD>(path.size()), FILE_NAME_NORMALIZED);
  CloseHandle(h);
  if (n == 0 || n >= path.size()) return {};
  path.resize(n);
  return to_fimon_path(std::move(path));
}

Result<UsnCursor> load_usn_cursor(const std::string& state_dir, const std::string& volume) {
  std::ifstream in(std::filesystem::path(platform::to_wide(cursor_file(state_dir, volume))));
  UsnCursor c;
  if (!(in >> c.journal_id >> c.next_usn)) return not_found("no saved change-journal cursor for " + volume);
  return c;
}

Status save_usn_cursor(const std::string& state_dir, const std::string& volume, const UsnCursor& cursor) {
  const std::string path = cursor_file(state_dir, volume);
  {
    std::ofstream out(std::filesystem::path(platform::to_wide(path + ".tmp")), std::ios::trunc);
    out << cursor.journal_id << " " << cursor.next_usn << "\n";
    if (!out.flush()) return io_error("usn: cannot write " + path + ".tmp");
  }
  if (!MoveFileExW(platform::to_wide(path + ".tmp").c_str(), platform::to_wide(path).c_str(),
                   MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    return platform::win32_error(GetLastError(), "usn: saving " + path);
  }
  return {};
}

}  // namespace fimon
