// Decoding the Microsoft-Windows-Kernel-File provider's events ({EDD08927-9CC4-4E65-B970-C2560FB5C289})
// from their EVENT_RECORD. Layouts are those of the provider manifest's version 1 templates
// (Windows 10 and later); a later version is read as version 1 followed by fields we do not need,
// which is how the provider has grown so far. Version 0 (Windows 8.x) is not decoded: counted and
// skipped. Pointers are 4 or 8 bytes as the event header says.
#pragma once

#include <windows.h>
// The ETW headers need windows.h's types first.
#include <evntcons.h>

#include <cstdint>
#include <optional>
#include <string>

namespace fimon {

// Event ids (the manifest's tasks of the same name).
enum class KernelFileOp : std::uint16_t {
  kCreate = 12,
  kCleanup = 13,
  kClose = 14,
  kWrite = 16,
  kSetInformation = 17,
  kOperationEnd = 24,
  kDeletePath = 26,
  kRenamePath = 27,
  kSetLinkPath = 28,
  kCreateNewFile = 30,
};

// Keywords of the events above (KERNEL_FILE_KEYWORD_*). FILEIO is every file operation; the
// session narrows it to the ids above with an event-id filter.
constexpr ULONGLONG kKernelFileKeywordFileIo = 0x20;
constexpr ULONGLONG kKernelFileKeywordOpEnd = 0x40;
constexpr ULONGLONG kKernelFileKeywordCreate = 0x80;
constexpr ULONGLONG kKernelFileKeywordWrite = 0x200;
constexpr ULONGLONG kKernelFileKeywordDeletePath = 0x400;
constexpr ULONGLONG kKernelFileKeywordRenameSetLinkPath = 0x800;
constexpr ULONGLONG kKernelFileKeywordCreateNewFile = 0x1000;

const GUID& kernel_file_provider();

// IRP flags in a write's IOFlags: paging I/O is the cache manager or the mapped page writer
// flushing pages, in the System process, not the process that wrote.
constexpr std::uint32_t kIrpPagingIo = 0x2;
// A write's ByteOffset when it appends (FILE_WRITE_TO_END_OF_FILE): where it landed is unknown.
constexpr std::uint64_t kWriteToEndOfFile = 0xFFFFFFFFFFFFFFFFULL;

struct KernelFileRecord {
  KernelFileOp op = KernelFileOp::kCreate;
  // From the header.
  std::uint32_t process_id = 0;
  std::uint32_t thread_id = 0;
  std::int64_t timestamp = 0;  // 100 ns since 1601 (ProcessTrace converts the session's QPC stamps)
  std::string user_sid;        // from the SID extended item, when the session asked for it
  // From the payload; what an op does not carry stays 0 or empty.
  std::uint64_t irp = 0;
  std::uint64_t file_object = 0;
  std::uint64_t file_key = 0;
  std::uint64_t extra_information = 0;  // OperationEnd: IoStatus.Information (bytes, create result)
  std::uint64_t byte_offset = 0;
  std::uint32_t io_size = 0;
  std::uint32_t io_flags = 0;
  std::uint32_t create_options = 0;  // create disposition in the top 8 bits
  std::uint32_t info_class = 0;      // FILE_INFORMATION_CLASS
  std::uint32_t status = 0;          // OperationEnd: NTSTATUS
  std::wstring name;                 // FileName / FilePath, as the kernel wrote it (\Device\...)
};

enum class DecodeResult { kDecoded, kNotOurs, kOldVersion, kTruncated };

// Fills `out` from `record` when it is one of the events above.
DecodeResult decode_kernel_file(const EVENT_RECORD& record, KernelFileRecord& out);

}  // namespace fimon
