// The NTFS/ReFS change journal, decoded: USN_RECORD_V2 (64-bit file ids, NTFS) and USN_RECORD_V3
// (128-bit, ReFS; also NTFS when asked) as FSCTL_READ_USN_JOURNAL returns them, and what a run of
// records means for each file: the catch-up after the agent was down (usn_catch_up.hpp). Pure
// decoding, no Windows calls: tested with records built byte by byte (winioctl.h layouts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fimon {

struct UsnFileId {
  std::uint64_t low = 0;
  std::uint64_t high = 0;  // 0 for V2 records
  bool operator==(const UsnFileId&) const = default;
  bool operator<(const UsnFileId& o) const { return high != o.high ? high < o.high : low < o.low; }
};

// Reason flags (winioctl.h USN_REASON_*), those the catch-up acts on.
namespace usn_reason {
constexpr std::uint32_t kDataOverwrite = 0x00000001;
constexpr std::uint32_t kDataExtend = 0x00000002;
constexpr std::uint32_t kDataTruncation = 0x00000004;
constexpr std::uint32_t kNamedDataOverwrite = 0x00000010;  // an alternate data stream
constexpr std::uint32_t kNamedDataExtend = 0x00000020;
constexpr std::uint32_t kNamedDataTruncation = 0x00000040;
constexpr std::uint32_t kFileCreate = 0x00000100;
constexpr std::uint32_t kFileDelete = 0x00000200;
constexpr std::uint32_t kEaChange = 0x00000400;
constexpr std::uint32_t kSecurityChange = 0x00000800;
constexpr std::uint32_t kRenameOldName = 0x00001000;
constexpr std::uint32_t kRenameNewName = 0x00002000;
constexpr std::uint32_t kBasicInfoChange = 0x00008000;
constexpr std::uint32_t kHardLinkChange = 0x00010000;
constexpr std::uint32_t kReparsePointChange = 0x00100000;
constexpr std::uint32_t kStreamChange = 0x00200000;
constexpr std::uint32_t kClose = 0x80000000;
constexpr std::uint32_t kContent = kDataOverwrite | kDataExtend | kDataTruncation | kNamedDataOverwrite |
                                   kNamedDataExtend | kNamedDataTruncation | kStreamChange;
constexpr std::uint32_t kAttributes = kEaChange | kSecurityChange | kBasicInfoChange | kReparsePointChange;
}  // namespace usn_reason

constexpr std::uint32_t kUsnAttributeDirectory = 0x10;  // FILE_ATTRIBUTE_DIRECTORY

struct UsnRecord {
  UsnFileId file;
  UsnFileId parent;
  std::int64_t usn = 0;
  std::int64_t timestamp = 0;  // FILETIME: 100 ns since 1601
  std::uint32_t reason = 0;
  std::uint32_t attributes = 0;
  std::string name;  // UTF-8 (unpaired surrogates become U+FFFD)
};

struct UsnBatch {
  std::int64_t next_usn = 0;  // where the next read starts
  std::vector<UsnRecord> records;
  std::size_t skipped = 0;  // malformed or of another version (V4 range records): counted, not used
};

// One FSCTL_READ_USN_JOURNAL output buffer: the next USN (8 bytes), then records. Never reads past
// `size`, whatever the lengths inside claim.
UsnBatch parse_usn_buffer(const unsigned char* data, std::size_t size);

}  // namespace fimon
