#include "sources/windows/usn_records.hpp"

#include <cstring>
#include <string_view>

#include "platform/windows/wide.hpp"

namespace fimon {
namespace {

template <typename T>
T read_le(const unsigned char* p) {
  T v{};
  std::memcpy(&v, p, sizeof v);  // x86/ARM Windows are little-endian, as the journal is
  return v;
}

// Field offsets (winioctl.h): V2 and V3 share the header, then differ by the width of the ids.
struct Layout {
  std::size_t file, parent, usn, timestamp, reason, attributes, name_length, name_offset, fixed;
  bool wide_ids;
};
constexpr Layout kV2{8, 16, 24, 32, 40, 52, 56, 58, 60, false};
constexpr Layout kV3{8, 24, 40, 48, 56, 68, 72, 74, 76, true};

UsnFileId read_id(const unsigned char* p, bool wide) {
  UsnFileId id;
  id.low = read_le<std::uint64_t>(p);
  if (wide) id.high = read_le<std::uint64_t>(p + 8);
  return id;
}

bool decode(const unsigned char* r, std::size_t length, UsnRecord* out) {
  const auto major = read_le<std::uint16_t>(r + 4);
  const Layout* l = major == 2 ? &kV2 : major == 3 ? &kV3 : nullptr;
  if (l == nullptr || length < l->fixed) return false;
  const auto name_length = read_le<std::uint16_t>(r + l->name_length);
  const auto name_offset = read_le<std::uint16_t>(r + l->name_offset);
  if (name_length % 2 != 0 || name_offset < l->fixed || std::size_t{name_offset} + name_length > length)
    return false;
  out->file = read_id(r + l->file, l->wide_ids);
  out->parent = read_id(r + l->parent, l->wide_ids);
  out->usn = read_le<std::int64_t>(r + l->usn);
  out->timestamp = read_le<std::int64_t>(r + l->timestamp);
  out->reason = read_le<std::uint32_t>(r + l->reason);
  out->attributes = read_le<std::uint32_t>(r + l->attributes);
  std::wstring name(name_length / 2, L'\0');
  for (std::size_t i = 0; i < name.size(); ++i)
    name[i] = static_cast<wchar_t>(read_le<std::uint16_t>(r + name_offset + 2 * i));
  out->name = platform::to_utf8(name);
  return true;
}

}  // namespace

UsnBatch parse_usn_buffer(const unsigned char* data, std::size_t size) {
  UsnBatch batch;
  if (size < 8) return batch;
  batch.next_usn = read_le<std::int64_t>(data);
  std::size_t offset = 8;
  while (offset + 8 <= size) {
    const auto length = read_le<std::uint32_t>(data + offset);
    if (length < 8 || length > size - offset) {
      ++batch.skipped;  // a length that cannot be right: the rest of the buffer is not trusted
      break;
    }
    UsnRecord record;
    if (decode(data + offset, length, &record)) {
      batch.records.push_back(std::move(record));
    } else {
      ++batch.skipped;
    }
    offset += (length + 7) & ~std::size_t{7};  // records are 8-byte aligned
  }
  return batch;
}

}  // namespace fimon
