#include "platform/crypto.hpp"

#include <gtest/gtest.h>

namespace fimon::platform {
namespace {

std::string digest(HashAlgo a, const std::string& s) {
  return hash_hex(a, s.data(), s.size()).value();
}

TEST(Crypto, KnownVectors) {
  EXPECT_EQ(digest(HashAlgo::kSha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest(HashAlgo::kSha256, "hi\n"),
            "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4");
  EXPECT_EQ(digest(HashAlgo::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(digest(HashAlgo::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(digest(HashAlgo::kSha512, "abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Crypto, IncrementalEqualsOneShot) {
  std::string data(100000, '\0');
  for (std::size_t k = 0; k < data.size(); ++k) data[k] = static_cast<char>(k * 31);
  auto h = make_hasher(HashAlgo::kSha256);
  ASSERT_TRUE(h.ok());
  for (std::size_t off = 0; off < data.size(); off += 777)
    (*h)->update(data.data() + off, std::min<std::size_t>(777, data.size() - off));
  EXPECT_EQ((*h)->finish_hex(), digest(HashAlgo::kSha256, data));
}

}  // namespace
}  // namespace fimon::platform
