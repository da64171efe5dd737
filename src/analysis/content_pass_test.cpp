#include "analysis/content_pass.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "platform/crypto.hpp"

namespace fimon {
namespace {

namespace fs = std::filesystem;

// Small files are chunked inline, large ones on a second thread: both must see the same bytes.
TEST(ContentPass, InlineAndParallelChunkingGiveTheSameManifest) {
  for (std::size_t size : {std::size_t{300000}, std::size_t{6} << 20}) {
    std::string data(size, '\0');
    std::mt19937_64 rng(size);
    for (auto& c : data) c = static_cast<char>(rng());
    const fs::path file = fs::temp_directory_path() / ("fimon_content_pass_" + std::to_string(size));
    std::ofstream(file, std::ios::binary) << data;

    ContentPassOptions options;
    options.hashes = {HashAlgo::kSha256};
    std::vector<unsigned char> buffer(std::size_t{256} << 10);
    const ContentPass pass = read_content(file.string(), options, buffer);
    fs::remove(file);

    ASSERT_TRUE(pass.complete) << pass.skipped;
    EXPECT_EQ(pass.manifest, chunk_buffer(data.data(), data.size())) << size;
    EXPECT_EQ(pass.hashes[0].hex, platform::hash_hex(HashAlgo::kSha256, data.data(), data.size()).value());
    EXPECT_EQ(pass.meta->size, size);
  }
}

}  // namespace
}  // namespace fimon
