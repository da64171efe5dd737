// Kernel-File records built as the provider writes them (the manifest's version 1 templates,
// EVENT_RECORD and its SID extended item as evntcons.h lays them out), decoded, and followed by
// the tracker into the write ledger. Wine runs no ETW session, so this is where the ETW backend's
// logic is verified; docs/windows.md says so.
#include "sources/windows/kernel_file_tracker.hpp"

#include <gtest/gtest.h>
#include <windows.h>
// sddl.h needs windows.h's types first.
#include <sddl.h>

#include <cstring>
#include <vector>

#include "sources/windows/kernel_file_records.hpp"

namespace fimon {
namespace {

constexpr std::uint32_t kWriter = 4321;
constexpr std::uint32_t kAgent = 99;
constexpr wchar_t kVolume[] = L"\\Device\\HarddiskVolume3";
constexpr std::uint32_t kAccessDenied = 0xC0000022;

// One event as the provider logs it: header, payload, and optionally the SID extended item.
class Event {
 public:
  Event(KernelFileOp op, std::uint32_t pid = kWriter, int version = 1, bool wide_pointers = true)
      : wide_pointers_(wide_pointers) {
    record_ = EVENT_RECORD{};
    auto& h = record_.EventHeader;
    h.ProviderId = kernel_file_provider();
    h.EventDescriptor.Id = static_cast<USHORT>(op);
    h.EventDescriptor.Version = static_cast<UCHAR>(version);
    h.Flags = wide_pointers ? EVENT_HEADER_FLAG_64_BIT_HEADER : EVENT_HEADER_FLAG_32_BIT_HEADER;
    h.ProcessId = pid;
    h.ThreadId = 77;
    h.TimeStamp.QuadPart = 133'000'000'000'000'000LL;
  }
  ~Event() {
    if (sid_ != nullptr) LocalFree(sid_);
  }
  Event& pointer(std::uint64_t v) { return wide_pointers_ ? raw(v) : raw(static_cast<std::uint32_t>(v)); }
  Event& u32(std::uint32_t v) { return raw(v); }
  Event& u64(std::uint64_t v) { return raw(v); }
  Event& wide(const std::wstring& s) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(s.c_str());
    payload_.insert(payload_.end(), bytes, bytes + (s.size() + 1) * sizeof(wchar_t));
    return *this;
  }
  Event& sid(const wchar_t* text) {
    EXPECT_TRUE(ConvertStringSidToSidW(text, &sid_));
    item_ = EVENT_HEADER_EXTENDED_DATA_ITEM{};
    item_.ExtType = EVENT_HEADER_EXT_TYPE_SID;
    item_.DataSize = static_cast<USHORT>(GetLengthSid(sid_));
    item_.DataPtr = reinterpret_cast<ULONGLONG>(sid_);
    return *this;
  }
  Event& at(std::int64_t timestamp) {
    record_.EventHeader.TimeStamp.QuadPart = timestamp;
    return *this;
  }
  Event& cut(std::size_t bytes) {
    payload_.resize(payload_.size() - bytes);
    return *this;
  }
  const EVENT_RECORD& record() {
    record_.UserData = payload_.data();
    record_.UserDataLength = static_cast<USHORT>(payload_.size());
    record_.ExtendedDataCount = sid_ != nullptr ? 1 : 0;
    record_.ExtendedData = sid_ != nullptr ? &item_ : nullptr;
    return record_;
  }

 private:
  template <typename T>
  Event& raw(T v) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&v);
    payload_.insert(payload_.end(), bytes, bytes + sizeof v);
    return *this;
  }
  bool wide_pointers_;
  EVENT_RECORD record_;
  std::vector<unsigned char> payload_;
  PSID sid_ = nullptr;
  EVENT_HEADER_EXTENDED_DATA_ITEM item_{};
};

Event create(std::uint64_t irp, std::uint64_t file_object, const std::wstring& name,
             std::uint32_t disposition = 5 /* FILE_OVERWRITE_IF */, std::uint32_t pid = kWriter) {
  Event e(KernelFileOp::kCreate, pid);
  e.pointer(irp).pointer(file_object).u32(77).u32(disposition << 24).u32(0x80).u32(7).wide(name);
  return e;
}
Event write(std::uint64_t irp, std::uint64_t file_object, std::uint64_t offset, std::uint32_t size,
            std::uint32_t flags = 0, std::uint32_t pid = kWriter) {
  Event e(KernelFileOp::kWrite, pid);
  e.u64(offset).pointer(irp).pointer(file_object).pointer(0xF00D).u32(77).u32(size).u32(flags).u32(0);
  return e;
}
Event end(std::uint64_t irp, std::uint64_t information, std::uint32_t status = 0) {
  Event e(KernelFileOp::kOperationEnd, 4, 0);  // completions may be logged in any process
  e.pointer(irp).pointer(information).u32(status);
  return e;
}
Event path_op(KernelFileOp op, std::uint64_t irp, std::uint64_t file_object, const std::wstring& path,
              std::uint32_t info_class) {
  Event e(op);
  e.pointer(irp).pointer(file_object).pointer(0xF00D).pointer(0).u32(77).u32(info_class).wide(path);
  return e;
}
Event set_information(std::uint64_t irp, std::uint64_t file_object, std::uint32_t info_class) {
  Event e(KernelFileOp::kSetInformation);
  e.pointer(irp).pointer(file_object).pointer(0xF00D).pointer(0).u32(77).u32(info_class);
  return e;
}
Event cleanup(std::uint64_t file_object) {
  Event e(KernelFileOp::kCleanup);
  e.pointer(0x1).pointer(file_object).pointer(0xF00D).u32(77);
  return e;
}

std::wstring on_volume(const std::wstring& rest) {
  return kVolume + rest;
}

class TrackerTest : public ::testing::Test {
 protected:
  TrackerTest()
      : filter_({"C:/watched"}, {"*.tmp"}),
        tracker_(
            filter_, ledger_,
            [this](std::uint32_t pid) {
              ++lookups_;
              auto p = std::make_shared<ProcessInfo>();
              p->pid = pid;
              p->name = "writer.exe";
              p->executable = "C:/Tools/writer.exe";
              p->user_sid = "S-1-5-21-1-2-3-1001";
              p->user_name = "HOST\\alice";
              p->entity_id = std::to_string(pid) + "-1";
              p->resolved = true;
              return ProcessRef(std::move(p));
            },
            [this] {
              ++map_builds_;
              NtPathMap map;
              map.add(kVolume, "C:");
              map.add(L"\\Device\\HarddiskVolume30", "D:");
              return map;
            },
            kAgent, &stats_,
            [](const std::string& sid) { return sid == "S-1-5-21-9-9-9-500" ? "HOST\\Administrator" : ""; }) {
  }

  void feed(Event&& e) { feed(e); }
  void feed(Event& e) {
    KernelFileRecord r;
    ASSERT_EQ(decode_kernel_file(e.record(), r), DecodeResult::kDecoded);
    tracker_.on_record(r);
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges(const KernelWrites& w) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (const auto& r : w.ranges) out.emplace_back(r.offset, r.length);
    return out;
  }

  PathFilter filter_;
  WriteLedger ledger_;
  SourceStats stats_;
  int lookups_ = 0;
  int map_builds_ = 0;
  KernelFileTracker tracker_;
};

TEST(KernelFileRecords, DecodesAWriteAsVersion1LaysItOut) {
  Event e = write(0xAAAA, 0xBBBB, 8192, 512, kIrpPagingIo);
  e.sid(L"S-1-5-18");
  KernelFileRecord r;
  ASSERT_EQ(decode_kernel_file(e.record(), r), DecodeResult::kDecoded);
  EXPECT_EQ(r.op, KernelFileOp::kWrite);
  EXPECT_EQ(r.byte_offset, 8192U);
  EXPECT_EQ(r.irp, 0xAAAAU);
  EXPECT_EQ(r.file_object, 0xBBBBU);
  EXPECT_EQ(r.file_key, 0xF00DU);
  EXPECT_EQ(r.io_size, 512U);
  EXPECT_EQ(r.io_flags, kIrpPagingIo);
  EXPECT_EQ(r.process_id, kWriter);
  EXPECT_EQ(r.thread_id, 77U);
  EXPECT_EQ(r.user_sid, "S-1-5-18");
}

TEST(KernelFileRecords, DecodesNamesAndThirtyTwoBitPointers) {
  Event e(KernelFileOp::kDeletePath, kWriter, 1, false);
  e.pointer(0x1234).pointer(0x5678).pointer(0x9ABC).pointer(1).u32(77).u32(13).wide(
      L"\\Device\\X\\f\u00e9.txt");
  KernelFileRecord r;
  ASSERT_EQ(decode_kernel_file(e.record(), r), DecodeResult::kDecoded);
  EXPECT_EQ(r.irp, 0x1234U);
  EXPECT_EQ(r.file_object, 0x5678U);
  EXPECT_EQ(r.extra_information, 1U);
  EXPECT_EQ(r.info_class, 13U);
  EXPECT_EQ(r.name, L"\\Device\\X\\f\u00e9.txt");
  EXPECT_TRUE(r.user_sid.empty());

  Event done = end(0x1234, 100, kAccessDenied);
  ASSERT_EQ(decode_kernel_file(done.record(), r), DecodeResult::kDecoded) << "OperationEnd is version 0";
  EXPECT_EQ(r.status, kAccessDenied);
  EXPECT_EQ(r.extra_information, 100U);
}

TEST(KernelFileRecords, RefusesWhatItCannotReadWhole) {
  KernelFileRecord r;
  Event short_write = write(1, 2, 0, 10);
  short_write.cut(6);
  EXPECT_EQ(decode_kernel_file(short_write.record(), r), DecodeResult::kTruncated);
  Event old(KernelFileOp::kWrite, kWriter, 0);
  old.u64(0).pointer(1).pointer(2);
  EXPECT_EQ(decode_kernel_file(old.record(), r), DecodeResult::kOldVersion);
  Event read(static_cast<KernelFileOp>(15));  // Read: never asked for
  EXPECT_EQ(decode_kernel_file(read.record(), r), DecodeResult::kNotOurs);
  Event other = write(1, 2, 0, 10);
  EVENT_RECORD foreign = other.record();
  foreign.EventHeader.ProviderId.Data1 ^= 1;
  EXPECT_EQ(decode_kernel_file(foreign, r), DecodeResult::kNotOurs);
}

TEST_F(TrackerTest, WritesBecomeTheCompletedRangesOfTheWriter) {
  feed(create(0x10, 0xF1, on_volume(L"\\Watched\\Report.docx")));
  feed(end(0x10, 2 /* FILE_CREATED */));
  feed(write(0x11, 0xF1, 0, 100));
  feed(end(0x11, 100));
  feed(write(0x12, 0xF1, 4096, 10));
  feed(end(0x12, 5));                                 // completed short: five bytes written
  feed(write(0x13, 0xF1, 0, 8192, kIrpPagingIo, 4));  // the cache manager flushing them: not a writer
  feed(write(0x14, 0xF1, 9000, 10));
  feed(end(0x14, 0, kAccessDenied));  // failed: nothing written
  feed(cleanup(0xF1));

  auto w = ledger_.take_path("C:/watched/report.docx");
  ASSERT_TRUE(w) << "the name the kernel saw, in any case, finds the file";
  EXPECT_EQ(ranges(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 100}, {4096, 5}}));
  ASSERT_EQ(w->writers.size(), 1U);
  EXPECT_EQ(w->writers[0]->pid, kWriter);
  EXPECT_EQ(w->writers[0]->executable, "C:/Tools/writer.exe");
  EXPECT_EQ(w->writers[0]->user_name, "HOST\\alice");
  EXPECT_EQ(tracker_.stats().paging_writes, 1U);
  EXPECT_EQ(stats_.traced_writes.load(), 4U);
  EXPECT_EQ(lookups_, 1) << "a process is looked up once, then cached";
  EXPECT_EQ(tracker_.open_files(), 0U);
  EXPECT_EQ(tracker_.pending_operations(), 0U);
}

TEST_F(TrackerTest, TheThreadsTokenNamesTheUserWhenItImpersonates) {
  Event c = create(0x10, 0xF1, on_volume(L"\\watched\\a.txt"));
  feed(std::move(c));
  feed(end(0x10, 1 /* FILE_OPENED: not a creation */));
  EXPECT_FALSE(ledger_.take_path("C:/watched/a.txt")) << "opening is not changing";
  Event w = write(0x11, 0xF1, 0, 3);
  w.sid(L"S-1-5-21-9-9-9-500");
  feed(std::move(w));
  feed(end(0x11, 3));
  auto taken = ledger_.take_path("C:/watched/a.txt");
  ASSERT_TRUE(taken);
  ASSERT_EQ(taken->writers.size(), 1U);
  EXPECT_EQ(taken->writers[0]->user_sid, "S-1-5-21-9-9-9-500");
  EXPECT_EQ(taken->writers[0]->user_name, "HOST\\Administrator") << "the thread's user, not the process's";
}

TEST_F(TrackerTest, OnlyWatchedFilesOfOtherProcessesAreFollowed) {
  feed(create(0x10, 0xF1, on_volume(L"\\elsewhere\\a.txt")));
  feed(create(0x11, 0xF2, on_volume(L"\\watched\\scratch.tmp")));          // excluded by glob
  feed(create(0x12, 0xF3, on_volume(L"\\watched\\mine.txt"), 5, kAgent));  // the agent itself
  for (std::uint64_t fo : {0xF1, 0xF2, 0xF3}) {
    feed(write(0x20 + fo, fo, 0, 10));
    feed(end(0x20 + fo, 10));
  }
  EXPECT_EQ(ledger_.files(), 0U);
  EXPECT_EQ(tracker_.open_files(), 0U);
}

TEST_F(TrackerTest, NamesChangedAreAttributedToWhoChangedThem) {
  feed(path_op(KernelFileOp::kRenamePath, 0x30, 0xF1, on_volume(L"\\watched\\old.txt"), 10));
  feed(end(0x30, 0));
  feed(path_op(KernelFileOp::kDeletePath, 0x31, 0xF2, on_volume(L"\\watched\\gone.txt"), 13));
  feed(end(0x31, 0));
  feed(path_op(KernelFileOp::kSetLinkPath, 0x32, 0xF3, on_volume(L"\\watched\\linked.txt"), 11));
  feed(end(0x32, 0, kAccessDenied));  // refused: nobody changed it
  for (const char* path : {"C:/watched/old.txt", "C:/watched/gone.txt"}) {
    auto w = ledger_.take_path(path);
    ASSERT_TRUE(w) << path;
    EXPECT_TRUE(w->ranges.empty());
    ASSERT_EQ(w->writers.size(), 1U);
    EXPECT_EQ(w->writers[0]->pid, kWriter);
  }
  EXPECT_FALSE(ledger_.take_path("C:/watched/linked.txt"));
}

TEST_F(TrackerTest, TruncationsAppendsAndStreamsAreKept) {
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\log.txt"), 1 /* FILE_OPEN */));
  feed(end(0x10, 1));
  feed(set_information(0x11, 0xF1, 20 /* FileEndOfFileInformation */));
  feed(end(0x11, 0));
  feed(write(0x12, 0xF1, kWriteToEndOfFile, 10));
  feed(end(0x12, 10));
  feed(create(0x13, 0xF2, on_volume(L"\\watched\\log.txt:hidden:$DATA"), 1));
  feed(write(0x14, 0xF2, 0, 64));
  feed(end(0x14, 64));
  auto w = ledger_.take_path("C:/watched/log.txt");
  ASSERT_TRUE(w);
  EXPECT_EQ(ranges(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 64}}))
      << "the append's offset is unknown; the stream's write is its own bytes";
  EXPECT_EQ(w->streams, std::vector<std::string>{"hidden"});
  EXPECT_EQ(tracker_.stats().appends, 1U);
}

TEST_F(TrackerTest, AVolumeWithoutADriveLetterIsCountedAndTheMapRebuiltRarely) {
  feed(create(0x10, 0xF1, L"\\Device\\HarddiskVolume9\\watched\\a.txt"));
  feed(create(0x11, 0xF2, L"\\Device\\HarddiskVolume9\\watched\\b.txt"));
  EXPECT_EQ(tracker_.stats().unmapped_names, 2U);
  EXPECT_EQ(map_builds_, 1) << "built once when empty; not again within 10 s";
  feed(create(0x12, 0xF3, L"\\Device\\HarddiskVolume30\\watched\\c.txt"));
  EXPECT_EQ(tracker_.stats().unmapped_names, 2U) << "Volume30 is D:, not C: (Volume3) with a 0";
}

TEST_F(TrackerTest, OnlyACreateThatSucceededCreatesAndAFailedOneIsForgotten) {
  constexpr std::uint32_t kStatusReparse = 0x104;  // a success code: the name was a link, not opened
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\link.txt"), 0 /* FILE_SUPERSEDE */));
  feed(end(0x10, 0, kStatusReparse));
  feed(create(0x11, 0xF2, on_volume(L"\\watched\\opened.txt"), 1 /* FILE_OPEN */));
  feed(end(0x11, 0 /* not FILE_SUPERSEDED: that disposition was not asked */));
  feed(create(0x12, 0xF3, on_volume(L"\\watched\\denied.txt")));
  feed(end(0x12, 0, kAccessDenied));
  EXPECT_EQ(ledger_.files(), 0U);
  EXPECT_EQ(tracker_.open_files(), 1U) << "only the file really opened is followed";
  feed(create(0x13, 0xF4, on_volume(L"\\watched\\replaced.txt"), 0 /* FILE_SUPERSEDE */));
  feed(end(0x13, 0 /* FILE_SUPERSEDED */));
  EXPECT_TRUE(ledger_.take_path("C:/watched/replaced.txt"));
}

TEST_F(TrackerTest, AnEndDeliveredBeforeItsStartStillCompletesIt) {
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\a.txt")).at(1000));
  feed(end(0x10, 3).at(1001));
  feed(end(0x11, 7).at(900));    // an older operation's end with the same IRP address: not this one
  feed(end(0x11, 10).at(1003));  // from another processor's buffer, before its start
  feed(write(0x11, 0xF1, 50, 10).at(1002));
  auto w = ledger_.take_path("C:/watched/a.txt");
  ASSERT_TRUE(w);
  EXPECT_EQ(ranges(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{50, 10}}));
  EXPECT_EQ(tracker_.stats().early_ends, 1U);
  EXPECT_EQ(tracker_.pending_operations(), 0U);
}

TEST_F(TrackerTest, ARenameToANewNameFilesLaterWritesUnderIt) {
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\draft.tmp.txt"), 1));
  feed(end(0x10, 1));
  feed(path_op(KernelFileOp::kRenamePath, 0x11, 0xF1, on_volume(L"\\watched\\final.txt"), 10));
  feed(end(0x11, 0));
  feed(write(0x12, 0xF1, 0, 4));
  feed(end(0x12, 4));
  auto renamed = ledger_.take_path("C:/watched/final.txt");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(ranges(*renamed), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 4}}));
  EXPECT_TRUE(ledger_.take_path("C:/watched/draft.tmp.txt")) << "the old name's change has its writer too";
}

TEST_F(TrackerTest, TheCacheManagerSettlingASizeIsNobodysChange) {
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\a.txt"), 1));
  feed(end(0x10, 1));
  Event settle(KernelFileOp::kSetInformation, 4 /* System */);
  settle.pointer(0x11).pointer(0xF1).pointer(0xF00D).pointer(0).u32(77).u32(20);
  feed(std::move(settle));
  feed(end(0x11, 0));
  EXPECT_FALSE(ledger_.take_path("C:/watched/a.txt"));
}

TEST_F(TrackerTest, AnOperationWhoseEndNeverCameIsForgottenAndCounted) {
  constexpr std::int64_t kSecond = 10'000'000;
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\a.txt"), 1).at(kSecond));
  feed(end(0x10, 1).at(kSecond));
  feed(write(0x11, 0xF1, 0, 10).at(2 * kSecond));  // its end is lost with a buffer
  feed(cleanup(0xF9).at(40 * kSecond));            // any record, 38 s later
  EXPECT_EQ(tracker_.pending_operations(), 0U);
  EXPECT_EQ(tracker_.stats().forgotten_irps, 1U);
  EXPECT_EQ(stats_.traced_lost.load(), 1U) << "published as lost";
  feed(end(0x11, 10).at(40 * kSecond));  // the IRP address now serves another operation
  EXPECT_FALSE(ledger_.take_path("C:/watched/a.txt"));
}

TEST_F(TrackerTest, AWriteDeliveredAfterItsCleanupFromAnotherProcessorStillCounts) {
  feed(create(0x10, 0xF1, on_volume(L"\\watched\\a.txt"), 1).at(100));
  feed(end(0x10, 1).at(101));
  feed(cleanup(0xF1).at(150));
  EXPECT_EQ(tracker_.open_files(), 0U);
  feed(write(0x11, 0xF1, 0, 10).at(120));  // made before the cleanup
  feed(end(0x11, 10).at(121));
  feed(write(0x12, 0xF1, 100, 10).at(200));  // after it: not this file's any more
  feed(end(0x12, 10).at(201));
  auto w = ledger_.take_path("C:/watched/a.txt");
  ASSERT_TRUE(w);
  EXPECT_EQ(ranges(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 10}}));
}

TEST(NtPathMap, MapsVolumeDevicesToDriveLetters) {
  NtPathMap map;
  map.add(L"\\Device\\HarddiskVolume3\\", "C:");
  map.add(L"\\Device\\HarddiskVolume30", "D:");
  auto a = map.to_drive_path(L"\\device\\harddiskvolume3\\Users\\Bob\\notes.txt");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->path, "C:/Users/Bob/notes.txt");
  EXPECT_TRUE(a->stream.empty());
  EXPECT_EQ(map.to_drive_path(L"\\Device\\HarddiskVolume30\\x\\")->path, "D:/x");
  EXPECT_EQ(map.to_drive_path(L"\\Device\\HarddiskVolume3")->path, "C:/");
  EXPECT_FALSE(map.to_drive_path(L"\\Device\\HarddiskVolume31\\x"));
  EXPECT_FALSE(map.to_drive_path(L"\\Device\\Mup\\server\\share\\x"));
  auto s = map.to_drive_path(L"\\Device\\HarddiskVolume3\\d\\f.txt:Zone.Identifier:$DATA");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "C:/d/f.txt");
  EXPECT_EQ(s->stream, "Zone.Identifier");
  EXPECT_EQ(map.to_drive_path(L"\\Device\\HarddiskVolume3\\d\\f.txt::$DATA")->stream, "");
}

TEST(NtPathMap, TheSystemsMapNamesTheSystemDrive) {
  // Under Wine as on Windows: C: is a drive with a device behind it.
  NtPathMap map = NtPathMap::from_system();
  EXPECT_FALSE(map.empty());
}

}  // namespace
}  // namespace fimon
