// Change-journal records built byte by byte as winioctl.h lays them out (Wine has no journal to
// read), decoded, and folded into what the agent catches up on.
#include "sources/windows/usn_records.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "sources/windows/usn_catch_up.hpp"

namespace fimon {
namespace {

template <typename T>
void put(std::vector<unsigned char>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

// One record, 8-byte aligned as the journal pads them; V2 has 64-bit ids, V3 128-bit ones.
std::vector<unsigned char> record(int major, std::uint64_t file, std::uint64_t parent, std::uint32_t reason,
                                  const std::u16string& name, std::uint32_t attributes = 0x20,
                                  std::int64_t usn = 1000) {
  const std::size_t fixed = major == 2 ? 60 : 76;
  const std::size_t length = (fixed + name.size() * 2 + 7) & ~std::size_t{7};
  std::vector<unsigned char> b(length, 0);
  put<std::uint32_t>(b, 0, static_cast<std::uint32_t>(length));
  put<std::uint16_t>(b, 4, static_cast<std::uint16_t>(major));
  if (major == 2) {
    put(b, 8, file);
    put(b, 16, parent);
    put<std::int64_t>(b, 24, usn);
    put<std::int64_t>(b, 32, 133'000'000'000'000'000LL);
    put(b, 40, reason);
    put(b, 52, attributes);
    put<std::uint16_t>(b, 56, static_cast<std::uint16_t>(name.size() * 2));
    put<std::uint16_t>(b, 58, 60);
  } else {
    put(b, 8, file);
    put<std::uint64_t>(b, 16, 0x1111);  // the high half of a ReFS id
    put(b, 24, parent);
    put<std::uint64_t>(b, 32, 0x1111);
    put<std::int64_t>(b, 40, usn);
    put(b, 56, reason);
    put(b, 68, attributes);
    put<std::uint16_t>(b, 72, static_cast<std::uint16_t>(name.size() * 2));
    put<std::uint16_t>(b, 74, 76);
  }
  std::memcpy(b.data() + fixed, name.data(), name.size() * 2);
  return b;
}

std::vector<unsigned char> buffer(std::int64_t next_usn,
                                  const std::vector<std::vector<unsigned char>>& records) {
  std::vector<unsigned char> b(8);
  put(b, 0, next_usn);
  for (const auto& r : records) b.insert(b.end(), r.begin(), r.end());
  return b;
}

TEST(UsnRecords, DecodesVersion2And3AndSkipsWhatItCannotRead) {
  auto v4 = record(2, 9, 9, 0, u"x");
  put<std::uint16_t>(v4, 4, 4);  // a V4 (range) record: not a name change, skipped
  const auto b = buffer(4242, {record(2, 7, 5, usn_reason::kFileCreate, u"r\u00e9sum\u00e9.txt"),
                               record(3, 8, 5, usn_reason::kDataExtend, u"big.bin", 0x20, 2000), v4});
  const UsnBatch batch = parse_usn_buffer(b.data(), b.size());
  EXPECT_EQ(batch.next_usn, 4242);
  ASSERT_EQ(batch.records.size(), 2U);
  EXPECT_EQ(batch.skipped, 1U);
  EXPECT_EQ(batch.records[0].file, (UsnFileId{7, 0}));
  EXPECT_EQ(batch.records[0].name, "r\xc3\xa9sum\xc3\xa9.txt");
  EXPECT_EQ(batch.records[0].reason, usn_reason::kFileCreate);
  EXPECT_EQ(batch.records[0].timestamp, 133'000'000'000'000'000LL);
  EXPECT_EQ(batch.records[1].file, (UsnFileId{8, 0x1111}));
  EXPECT_EQ(batch.records[1].parent, (UsnFileId{5, 0x1111}));
  EXPECT_EQ(batch.records[1].usn, 2000);
  EXPECT_EQ(batch.records[1].name, "big.bin");
}

TEST(UsnRecords, NeverReadsPastTheBuffer) {
  auto r = record(2, 7, 5, 0, u"name.txt");
  put<std::uint16_t>(r, 56, 400);  // a name longer than its record
  auto lying = record(2, 7, 5, 0, u"ok");
  put<std::uint32_t>(lying, 0, 1 << 20);  // a record longer than the buffer
  const auto b = buffer(1, {r, lying});
  const UsnBatch batch = parse_usn_buffer(b.data(), b.size());
  EXPECT_TRUE(batch.records.empty());
  EXPECT_EQ(batch.skipped, 2U);
  EXPECT_TRUE(parse_usn_buffer(b.data(), 3).records.empty());
}

TEST(UsnCatchUp, OneChangePerFileAsTheLiveSourceWouldHaveSaidIt) {
  namespace why = usn_reason;
  const std::uint64_t dir = 5;
  UsnCatchUp catch_up;
  const auto feed = [&](std::uint64_t file, std::uint32_t reason, const std::u16string& name,
                        std::uint32_t attributes = 0x20) {
    const auto b = buffer(0, {record(2, file, dir, reason, name, attributes)});
    for (const auto& r : parse_usn_buffer(b.data(), b.size()).records) catch_up.add(r);
  };
  feed(10, why::kFileCreate, u"new.txt");
  feed(10, why::kFileCreate | why::kDataExtend | why::kClose, u"new.txt");
  feed(11, why::kDataOverwrite | why::kClose, u"edited.txt");
  feed(12, why::kRenameOldName, u"draft.txt");
  feed(12, why::kRenameNewName, u"final.txt");
  feed(13, why::kFileCreate, u"~tmp");
  feed(13, why::kFileCreate | why::kFileDelete | why::kClose, u"~tmp");
  feed(14, why::kFileDelete | why::kClose, u"gone.txt");
  feed(15, why::kSecurityChange | why::kClose, u"acl.txt");
  feed(16, why::kClose, u"read-only.txt");
  feed(17, why::kFileCreate | why::kClose, u"folder", 0x10);

  const std::map<std::uint64_t, std::string> paths{{dir, "C:/data"},           {10, "C:/data/new.txt"},
                                                   {11, "C:/data/edited.txt"}, {12, "C:/data/final.txt"},
                                                   {15, "C:/data/acl.txt"},    {16, "C:/data/read-only.txt"},
                                                   {17, "C:/data/folder"}};
  const auto path_of = [&](const UsnFileId& id) {
    auto it = paths.find(id.low);
    return it == paths.end() ? std::string() : it->second;
  };
  std::map<std::string, RawChange> by_path;
  for (auto& c : catch_up.changes(path_of, 1)) by_path[c.path] = c;

  ASSERT_EQ(by_path.size(), 6U) << "the temporary file and the file only read are not reported";
  EXPECT_EQ(by_path["C:/data/new.txt"].kind, ChangeKind::kCreated);
  EXPECT_EQ(by_path["C:/data/edited.txt"].kind, ChangeKind::kModified);
  EXPECT_EQ(by_path["C:/data/final.txt"].kind, ChangeKind::kRenamed);
  EXPECT_EQ(by_path["C:/data/final.txt"].old_path, "C:/data/draft.txt");
  EXPECT_EQ(by_path["C:/data/gone.txt"].kind, ChangeKind::kDeleted);
  EXPECT_EQ(by_path["C:/data/acl.txt"].kind, ChangeKind::kAttributes);
  EXPECT_EQ(by_path["C:/data/folder"].kind, ChangeKind::kCreated);
  EXPECT_TRUE(by_path["C:/data/folder"].is_dir);
  EXPECT_STREQ(by_path["C:/data/new.txt"].source, "usn");
}

}  // namespace
}  // namespace fimon
