#include "sources/windows/kernel_file_records.hpp"

#include <sddl.h>

#include <cstring>

#include "platform/windows/wide.hpp"

namespace fimon {
namespace {

// {EDD08927-9CC4-4E65-B970-C2560FB5C289}
constexpr GUID kProvider = {0xedd08927, 0x9cc4, 0x4e65, {0xb9, 0x70, 0xc2, 0x56, 0x0f, 0xb5, 0xc2, 0x89}};

// Reads the payload front to back; any read past the end marks the whole record truncated.
class PayloadReader {
 public:
  PayloadReader(const EVENT_RECORD& record)
      : data_(static_cast<const unsigned char*>(record.UserData)),
        size_(record.UserDataLength),
        pointer_size_((record.EventHeader.Flags & EVENT_HEADER_FLAG_32_BIT_HEADER) ? 4 : 8) {}

  std::uint64_t pointer() { return pointer_size_ == 4 ? u32() : u64(); }
  std::uint32_t u32() { return fixed<std::uint32_t>(); }
  std::uint64_t u64() { return fixed<std::uint64_t>(); }
  // A NUL-terminated UTF-16 string; a missing terminator ends it at the payload's end.
  std::wstring wide_string() {
    std::wstring out;
    while (offset_ + 2 <= size_) {
      wchar_t c;
      std::memcpy(&c, data_ + offset_, 2);
      offset_ += 2;
      if (c == L'\0') return out;
      out.push_back(c);
    }
    if (out.empty()) truncated_ = true;
    return out;
  }
  bool truncated() const { return truncated_; }

 private:
  template <typename T>
  T fixed() {
    T v{};
    if (offset_ + sizeof(T) > size_) {
      truncated_ = true;
      return v;
    }
    std::memcpy(&v, data_ + offset_, sizeof(T));
    offset_ += sizeof(T);
    return v;
  }

  const unsigned char* data_;
  std::size_t size_;
  std::size_t pointer_size_;
  std::size_t offset_ = 0;
  bool truncated_ = false;
};

std::string sid_of(const EVENT_RECORD& record) {
  for (USHORT i = 0; i < record.ExtendedDataCount; ++i) {
    const auto& item = record.ExtendedData[i];
    if (item.ExtType != EVENT_HEADER_EXT_TYPE_SID || item.DataSize < 8) continue;
    auto* sid = reinterpret_cast<PSID>(static_cast<ULONG_PTR>(item.DataPtr));
    if (!IsValidSid(sid) || GetLengthSid(sid) > item.DataSize) return {};
    LPWSTR text = nullptr;
    if (!ConvertSidToStringSidW(sid, &text)) return {};
    std::string out = platform::to_utf8(text);
    LocalFree(text);
    return out;
  }
  return {};
}

bool known_op(USHORT id) {
  switch (static_cast<KernelFileOp>(id)) {
    case KernelFileOp::kCreate:
    case KernelFileOp::kCleanup:
    case KernelFileOp::kClose:
    case KernelFileOp::kWrite:
    case KernelFileOp::kSetInformation:
    case KernelFileOp::kOperationEnd:
    case KernelFileOp::kDeletePath:
    case KernelFileOp::kRenamePath:
    case KernelFileOp::kSetLinkPath:
    case KernelFileOp::kCreateNewFile:
      return true;
  }
  return false;
}

}  // namespace

const GUID& kernel_file_provider() {
  return kProvider;
}

DecodeResult decode_kernel_file(const EVENT_RECORD& record, KernelFileRecord& out) {
  const EVENT_HEADER& h = record.EventHeader;
  if (!IsEqualGUID(h.ProviderId, kProvider) || !known_op(h.EventDescriptor.Id)) return DecodeResult::kNotOurs;
  out = KernelFileRecord{};
  out.op = static_cast<KernelFileOp>(h.EventDescriptor.Id);
  // OperationEnd has only ever had version 0; the others changed layout at version 1.
  if (out.op != KernelFileOp::kOperationEnd && h.EventDescriptor.Version < 1)
    return DecodeResult::kOldVersion;
  out.process_id = h.ProcessId;
  out.thread_id = h.ThreadId;
  out.timestamp = h.TimeStamp.QuadPart;
  out.user_sid = sid_of(record);

  PayloadReader r(record);
  switch (out.op) {
    case KernelFileOp::kCreate:
    case KernelFileOp::kCreateNewFile:
      out.irp = r.pointer();
      out.file_object = r.pointer();
      r.u32();  // IssuingThreadId
      out.create_options = r.u32();
      r.u32();  // CreateAttributes
      r.u32();  // ShareAccess
      out.name = r.wide_string();
      break;
    case KernelFileOp::kCleanup:
    case KernelFileOp::kClose:
      out.irp = r.pointer();
      out.file_object = r.pointer();
      out.file_key = r.pointer();
      break;
    case KernelFileOp::kWrite:
      out.byte_offset = r.u64();
      out.irp = r.pointer();
      out.file_object = r.pointer();
      out.file_key = r.pointer();
      r.u32();  // IssuingThreadId
      out.io_size = r.u32();
      out.io_flags = r.u32();
      break;
    case KernelFileOp::kSetInformation:
      out.irp = r.pointer();
      out.file_object = r.pointer();
      out.file_key = r.pointer();
      out.extra_information = r.pointer();
      r.u32();  // IssuingThreadId
      out.info_class = r.u32();
      break;
    case KernelFileOp::kOperationEnd:
      out.irp = r.pointer();
      out.extra_information = r.pointer();
      out.status = r.u32();
      break;
    case KernelFileOp::kDeletePath:
    case KernelFileOp::kRenamePath:
    case KernelFileOp::kSetLinkPath:
      out.irp = r.pointer();
      out.file_object = r.pointer();
      out.file_key = r.pointer();
      out.extra_information = r.pointer();
      r.u32();  // IssuingThreadId
      out.info_class = r.u32();
      out.name = r.wide_string();
      break;
  }
  return r.truncated() ? DecodeResult::kTruncated : DecodeResult::kDecoded;
}

}  // namespace fimon
