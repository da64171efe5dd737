#include "state/shadow_store.hpp"

#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/log.hpp"
#include "platform/crypto.hpp"

namespace fimon {
namespace {

namespace fs = std::filesystem;
constexpr int kCompressionLevel = 3;
constexpr std::uint64_t kMaxShadowSize = 64ULL << 20;  // refuse to inflate anything absurd

std::optional<std::string> read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

Result<std::unique_ptr<ShadowStore>> ShadowStore::open(const std::string& state_dir,
                                                       std::uint64_t quota_bytes) {
  const fs::path dir = fs::path(state_dir) / "shadow";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("shadow copies: cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::unique_ptr<ShadowStore> store(new ShadowStore(dir.string(), quota_bytes));
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) store->bytes_ += entry.file_size(ec);
  }
  return store;
}

std::string ShadowStore::file_for(const std::string& path) const {
  auto digest = platform::hash_hex(HashAlgo::kSha256, path.data(), path.size());
  const std::string name = digest ? *digest : "unhashable";
  return (fs::path(dir_) / name.substr(0, 2) / (name + ".zst")).string();
}

std::optional<std::string> ShadowStore::get(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto compressed = read_all(file_for(path));
  if (!compressed) return std::nullopt;
  const unsigned long long size = ZSTD_getFrameContentSize(compressed->data(), compressed->size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxShadowSize) {
    return std::nullopt;
  }
  std::string content(static_cast<std::size_t>(size), '\0');
  const std::size_t got =
      ZSTD_decompress(content.data(), content.size(), compressed->data(), compressed->size());
  if (ZSTD_isError(got) || got != size) return std::nullopt;
  return content;
}

Status ShadowStore::put(const std::string& path, std::string_view content) {
  std::vector<char> compressed(ZSTD_compressBound(content.size()));
  const std::size_t n =
      ZSTD_compress(compressed.data(), compressed.size(), content.data(), content.size(), kCompressionLevel);
  if (ZSTD_isError(n)) return io_error(std::string("shadow copy: ") + ZSTD_getErrorName(n));
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path file = file_for(path);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const std::uint64_t old_size = fs::exists(file, ec) ? fs::file_size(file, ec) : 0;
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(compressed.data(), static_cast<std::streamsize>(n));
    if (!out) return io_error("shadow copy: cannot write " + tmp.string());
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  fs::rename(tmp, file, ec);
  if (ec) return io_error("shadow copy: cannot write " + file.string() + ": " + ec.message());
  bytes_ = bytes_ - std::min(bytes_, old_size) + n;
  write_order_[file.string()] = ++writes_;
  if (bytes_ > quota_) evict_locked();
  return {};
}

void ShadowStore::remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::error_code ec;
  const fs::path file = file_for(path);
  const std::uint64_t size = fs::exists(file, ec) ? fs::file_size(file, ec) : 0;
  if (fs::remove(file, ec)) bytes_ -= std::min(bytes_, size);
}

void ShadowStore::rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::error_code ec;
  const fs::path target = file_for(to);
  fs::create_directories(target.parent_path(), ec);
  const fs::path source = file_for(from);
  fs::rename(source, target, ec);  // nothing to move is fine: not every file has a copy
  if (ec) return;
  if (auto known = write_order_.find(source.string()); known != write_order_.end()) {
    write_order_[target.string()] = known->second;
    write_order_.erase(known);
  }
}

void ShadowStore::evict_locked() {
  struct Entry {
    fs::path path;
    std::uint64_t order;  // 0: written before this run
    fs::file_time_type changed;
    std::uint64_t size;
  };
  std::vector<Entry> entries;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir_, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const auto known = write_order_.find(e.path().string());
    entries.push_back(
        {e.path(), known == write_order_.end() ? 0 : known->second, e.last_write_time(ec), e.file_size(ec)});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.order != b.order ? a.order < b.order : a.changed < b.changed;
  });
  // Down to 90% of the quota, so that eviction does not run at every put once full.
  const std::uint64_t target = quota_ / 10 * 9;
  for (const auto& e : entries) {
    if (bytes_ <= target) break;
    if (fs::remove(e.path, ec)) {
      write_order_.erase(e.path.string());
      bytes_ -= std::min(bytes_, e.size);
      ++evicted_;
    }
  }
}

std::uint64_t ShadowStore::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

std::uint64_t ShadowStore::evicted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return evicted_;
}

}  // namespace fimon
