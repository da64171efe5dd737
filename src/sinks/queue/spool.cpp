#include "sinks/queue/spool.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/log.hpp"

namespace fimon {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kMagic = 0x31525346;  // "FSR1" read as little-endian
constexpr std::size_t kHeaderSize = 12;
constexpr std::uint32_t kMaxPayload = 64U << 20;  // larger than any document we build
constexpr const char* kSegmentPrefix = "seg-";

void put_u32(std::string& out, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
}

std::uint32_t get_u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::string encode_record(const Document& doc) {
  std::string payload;
  payload.reserve(4 + doc.id.size() + doc.json.size());
  put_u32(payload, static_cast<std::uint32_t>(doc.id.size()));
  payload += doc.id;
  payload += doc.json;
  std::string record;
  record.reserve(kHeaderSize + payload.size());
  put_u32(record, kMagic);
  put_u32(record, static_cast<std::uint32_t>(payload.size()));
  put_u32(record, XXH32(payload.data(), payload.size(), 0));
  return record + payload;
}

// Splits a checked payload into the document; false when the id length does not fit.
bool decode_payload(const std::string& payload, Document* doc) {
  if (payload.size() < 4) return false;
  const std::uint32_t id_size = get_u32(reinterpret_cast<const unsigned char*>(payload.data()));
  if (id_size > payload.size() - 4) return false;
  doc->id = payload.substr(4, id_size);
  doc->json = payload.substr(4 + id_size);
  return true;
}

std::optional<std::uint64_t> segment_number(const std::string& name) {
  if (name.size() != 4 + 20 || name.rfind(kSegmentPrefix, 0) != 0) return std::nullopt;
  std::uint64_t n = 0;
  for (std::size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return n;
}

// The two checks every record passes, at replay and when shipped: a plausible header, then a
// payload matching its checksum that splits into a document.
using RecordHeader = std::array<unsigned char, kHeaderSize>;
bool header_plausible(const RecordHeader& header) {
  return get_u32(header.data()) == kMagic && get_u32(header.data() + 4) <= kMaxPayload;
}
bool payload_intact(const RecordHeader& header, const std::string& payload, Document* doc) {
  return XXH32(payload.data(), payload.size(), 0) == get_u32(header.data() + 8) &&
         decode_payload(payload, doc);
}

// Reads whole records from `path` starting at `offset`; returns the end of the last good one.
struct SegmentScan {
  std::uint64_t valid_end = 0;
  std::uint64_t records = 0;
  bool corrupt = false;  // a bad record before the end (not just a torn tail)
};

SegmentScan scan_segment(const std::string& path, std::uint64_t offset) {
  SegmentScan scan{offset, 0, false};
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  const auto file_size = static_cast<std::uint64_t>(fs::file_size(path));
  RecordHeader header{};
  std::string payload;
  while (scan.valid_end < file_size) {
    if (!in.read(reinterpret_cast<char*>(header.data()), kHeaderSize)) return scan;  // torn header
    const std::uint32_t size = get_u32(header.data() + 4);
    if (!header_plausible(header)) {
      scan.corrupt = true;
      return scan;
    }
    if (scan.valid_end + kHeaderSize + size > file_size) return scan;  // torn payload
    payload.resize(size);
    if (!in.read(payload.data(), size)) return scan;
    Document doc;
    if (!payload_intact(header, payload, &doc)) {
      scan.corrupt = true;
      return scan;
    }
    scan.valid_end += kHeaderSize + size;
    ++scan.records;
  }
  return scan;
}

}  // namespace

Result<std::unique_ptr<Spool>> Spool::open(SpoolOptions options) {
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return io_error("spool " + options.dir + ": " + ec.message());
  fs::permissions(options.dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::unique_ptr<Spool> spool(new Spool(std::move(options)));
  if (auto s = spool->replay(); !s) return s.error();
  return spool;
}

Spool::~Spool() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (writer_ && dirty_) (void)writer_->sync();
}

std::string Spool::segment_path(std::uint64_t number) const {
  std::string digits = std::to_string(number);
  digits.insert(0, 20 - digits.size(), '0');
  return (fs::path(options_.dir) / (kSegmentPrefix + digits)).string();
}

Status Spool::replay() {
  // Where the shipper got to: "<segment> <offset>".
  std::ifstream ack((fs::path(options_.dir) / "ack").string());
  ack >> acknowledged_.segment >> acknowledged_.offset;
  if (!ack) acknowledged_ = {};

  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const auto number = segment_number(entry.path().filename().string());
    if (!number) continue;
    if (*number < acknowledged_.segment) {
      fs::remove(entry.path(), ec);  // delivered before the last stop
      continue;
    }
    segments_[*number] = 0;
  }
  if (ec) return io_error("spool " + options_.dir + ": " + ec.message());

  for (auto& [number, size] : segments_) {
    const std::string path = segment_path(number);
    const std::uint64_t from = number == acknowledged_.segment ? acknowledged_.offset : 0;
    const std::uint64_t on_disk = fs::file_size(path, ec);
    const SegmentScan scan = from <= on_disk ? scan_segment(path, from) : SegmentScan{on_disk, 0, true};
    if (scan.corrupt) {
      ++stats_.corrupt_records;
      log::error("spool: ", path, " is corrupt at byte ", scan.valid_end, "; the ", on_disk - scan.valid_end,
                 " bytes after it are lost");
    } else if (scan.valid_end < on_disk) {
      stats_.torn_bytes += on_disk - scan.valid_end;
      log::warn("spool: ", path, " ends in a partly written record (", on_disk - scan.valid_end,
                " bytes, a crash mid-append): cut off");
    }
    if (scan.valid_end < on_disk) fs::resize_file(path, scan.valid_end, ec);
    size = scan.valid_end;
    total_bytes_ += size;
    unread_records_ += scan.records;
  }
  stats_.replayed = unread_records_;
  if (unread_records_ > 0)
    log::info("spool: replaying ", unread_records_, " documents not yet acknowledged by Elasticsearch");
  // The acknowledged segment is never deleted by us; if it is gone anyway, start after it.
  if (!segments_.contains(acknowledged_.segment)) {
    acknowledged_ = {segments_.empty() ? acknowledged_.segment + 1 : segments_.begin()->first, 0};
  }
  cursor_ = acknowledged_;
  read_up_to_ = acknowledged_;
  // New records always go to a new segment: replayed ones are never appended to.
  return start_segment(segments_.empty() ? acknowledged_.segment : segments_.rbegin()->first + 1);
}

Status Spool::start_segment(std::uint64_t number) {
  auto file = platform::AppendFile::open(segment_path(number));
  if (!file) return file.error();
  if (writer_ && dirty_) {  // the closed segment must be complete on disk before it is left
    if (auto s = writer_->sync(); !s) return s;
    dirty_ = false;
  }
  writer_ = std::move(file.value());
  write_segment_ = number;
  segments_.emplace(number, 0);
  return {};
}

Status Spool::append(const Document& doc) {
  const std::string record = encode_record(doc);
  std::lock_guard<std::mutex> lock(mutex_);
  if (unacknowledged_bytes() + record.size() > options_.max_bytes)
    return exhausted("spool full (" + std::to_string(unacknowledged_bytes()) + " of " +
                     std::to_string(options_.max_bytes) + " bytes)");
  if (segments_[write_segment_] + record.size() > options_.segment_bytes && segments_[write_segment_] > 0) {
    if (auto s = start_segment(write_segment_ + 1); !s) return s;
  }
  const std::uint64_t before = segments_[write_segment_];
  if (auto s = writer_->write(record.data(), record.size()); !s) {
    ++stats_.write_errors;
    std::error_code ec;  // a partial record must not stay behind the valid ones
    fs::resize_file(segment_path(write_segment_), before, ec);
    if (ec || fs::file_size(segment_path(write_segment_), ec) != before) {
      (void)start_segment(write_segment_ + 1);  // cannot cut it off: never append behind it
    }
    return s;
  }
  segments_[write_segment_] = before + record.size();
  total_bytes_ += record.size();
  ++unread_records_;
  dirty_ = true;
  const auto now = steady_now();
  if (options_.fsync_interval_ms == 0 ||
      now - last_sync_ >= std::chrono::milliseconds(options_.fsync_interval_ms)) {
    last_sync_ = now;
    if (writer_->sync()) dirty_ = false;  // a failed sync is retried by the next one (sync())
  }
  return {};  // the record is written: reporting failure now would make the caller append it twice
}

bool Spool::read_exact(void* out, std::size_t size) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    auto n = reader_->read(p, size);
    if (!n || *n == 0) return false;
    p += *n;
    size -= *n;
  }
  return true;
}

std::optional<Spool::Record> Spool::next_record() {
  if (lookahead_) return std::exchange(lookahead_, std::nullopt);
  while (unread_records_ > 0) {
    const auto segment = segments_.find(cursor_.segment);
    if (segment == segments_.end() || cursor_.offset >= segment->second) {
      // This segment is read to its end; the writer has moved on to a later one.
      const auto next = segments_.upper_bound(cursor_.segment);
      if (next == segments_.end()) return std::nullopt;
      cursor_ = {next->first, 0};
      reader_.reset();
      continue;
    }
    if (!reader_) {
      auto file = platform::ReadableFile::open(segment_path(cursor_.segment));
      if (!file) {
        log::error("spool: ", file.error().message());
        return std::nullopt;
      }
      reader_ = std::move(file.value());
      std::vector<char> skip(static_cast<std::size_t>(std::min<std::uint64_t>(cursor_.offset, 1 << 16)));
      for (std::uint64_t left = cursor_.offset; left > 0;) {  // to the replay position, once per segment
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, skip.size()));
        if (!read_exact(skip.data(), n)) break;
        left -= n;
      }
    }
    RecordHeader header{};
    Record record;
    std::string payload;
    bool ok = read_exact(header.data(), kHeaderSize);
    const std::uint32_t size = get_u32(header.data() + 4);
    ok = ok && header_plausible(header) &&
         cursor_.offset + kHeaderSize + size <= segment->second;  // within what the writer completed
    if (ok) {
      payload.resize(size);
      ok = read_exact(payload.data(), size) && payload_intact(header, payload, &record.doc);
    }
    if (!ok) {  // checked at replay or written by us since: the disk changed under us
      ++stats_.corrupt_records;
      log::error("spool: unreadable record in ", segment_path(cursor_.segment), " at byte ", cursor_.offset,
                 "; skipping the rest of that segment");
      cursor_.offset = segment->second;
      reader_.reset();
      continue;
    }
    record.end = {cursor_.segment, cursor_.offset + kHeaderSize + size};
    cursor_ = record.end;
    return record;
  }
  return std::nullopt;
}

std::vector<Document> Spool::read(std::size_t max_docs, std::size_t max_bytes, QueuePosition* end) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Document> out;
  std::size_t bytes = 0;
  *end = read_up_to_;
  while (out.size() < max_docs) {
    auto record = next_record();
    if (!record) break;
    if (!out.empty() && bytes + record->doc.json.size() > max_bytes) {
      lookahead_ = std::move(record);  // the first of the next batch
      break;
    }
    bytes += record->doc.json.size();
    --unread_records_;
    read_up_to_ = record->end;
    *end = record->end;
    out.push_back(std::move(record->doc));
  }
  return out;
}

Status Spool::acknowledge(QueuePosition end) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!(acknowledged_ < end)) return {};
  acknowledged_ = end;
  const fs::path ack = fs::path(options_.dir) / "ack";
  const fs::path tmp = fs::path(options_.dir) / "ack.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << end.segment << ' ' << end.offset << '\n';
    if (!out) return io_error("spool: cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, ack, ec);
  if (ec) return io_error("spool: cannot replace " + ack.string() + ": " + ec.message());
  // Segments wholly before the acknowledged one are delivered.
  while (!segments_.empty() && segments_.begin()->first < end.segment) {
    total_bytes_ -= segments_.begin()->second;
    fs::remove(segment_path(segments_.begin()->first), ec);
    segments_.erase(segments_.begin());
  }
  return {};
}

Status Spool::sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!dirty_) return {};
  last_sync_ = steady_now();
  if (auto s = writer_->sync(); !s) return s;  // stays dirty: nothing may count as durable yet
  dirty_ = false;
  return {};
}

std::uint64_t Spool::unread() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return unread_records_;
}

std::uint64_t Spool::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return unacknowledged_bytes();
}

std::uint64_t Spool::unacknowledged_bytes() const {
  // What is acknowledged at the start of the oldest segment stays on disk until the segment goes,
  // but it no longer counts against the cap.
  const bool oldest_partly_acknowledged =
      !segments_.empty() && segments_.begin()->first == acknowledged_.segment;
  return total_bytes_ - (oldest_partly_acknowledged ? std::min(acknowledged_.offset, total_bytes_) : 0);
}

}  // namespace fimon
