// Baseline store at scale (issue 3: "holds 1M files without holding them in RAM"): puts N file
// records shaped like a small file's (sha256, one chunk, entropy), reads them all back by path,
// walks a subtree, and prints rates, peak RSS and bytes on disk per file.
//
//   fimon_bench_store [N] [DIR]     (defaults: 1000000, a fresh directory under /var/tmp)
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "state/baseline_store.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// 1,000 directories of N/1,000 files, like a real tree: paths share long prefixes.
std::string path_of(std::uint64_t i) {
  return "/srv/data/project-" + std::to_string(i % 1000) + "/src/module/file-" + std::to_string(i) + ".txt";
}

fimon::Baseline record_of(std::uint64_t i) {
  fimon::Baseline b;
  b.type = fimon::FileType::kFile;
  b.size = 1000 + i % 3000;
  b.mtime = static_cast<fimon::WallTimeNs>(1'700'000'000'000'000'000LL + static_cast<std::int64_t>(i));
  b.ctime = b.mtime;
  b.inode = 100000 + i;
  b.device = 2049;
  b.mode = 0100644;
  b.hashes = {{fimon::HashAlgo::kSha256, std::string(64, "0123456789abcdef"[i % 16])}};
  b.entropy = 4.5;
  b.manifest = {{0, static_cast<std::uint32_t>(b.size), i * 0x9E3779B97F4A7C15ULL}};
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const std::filesystem::path dir =
      argc > 2 ? std::filesystem::path(argv[2])
               : std::filesystem::path("/var/tmp") / ("fimon-store-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = fimon::BaselineStore::open(dir.string());
  if (!store) {
    std::fprintf(stderr, "fimon_bench_store: %s\n", store.error().message().c_str());
    return 2;
  }

  auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (auto s = (*store)->put(path_of(i), record_of(i)); !s) {
      std::fprintf(stderr, "fimon_bench_store: put: %s\n", s.error().message().c_str());
      return 2;
    }
  }
  const double put_s = seconds_since(start);
  const double rss_after_put = peak_rss_mib();

  start = std::chrono::steady_clock::now();
  std::uint64_t found = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    auto got = (*store)->get(path_of((i * 7919) % n));  // scattered order, like events
    if (got && got->has_value()) ++found;
  }
  const double get_s = seconds_since(start);

  start = std::chrono::steady_clock::now();
  std::uint64_t walked = 0;
  (void)(*store)->for_each_under("/srv/data", [&](const std::string&, const fimon::Baseline&) {
    ++walked;
    return true;
  });
  const double walk_s = seconds_since(start);

  std::uintmax_t disk = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) disk += entry.file_size();

  std::printf("| files | put/s | get/s | walk/s | peak RSS MiB (after puts) | disk bytes/file |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::printf("| %llu | %.0f | %.0f | %.0f | %.1f (%.1f) | %.0f |\n", static_cast<unsigned long long>(n),
              static_cast<double>(n) / put_s, static_cast<double>(n) / get_s,
              static_cast<double>(walked) / walk_s, peak_rss_mib(), rss_after_put,
              static_cast<double>(disk) / static_cast<double>(n));
  store->reset();
  std::filesystem::remove_all(dir);
  if (found != n || walked != n) {
    std::fprintf(stderr, "fimon_bench_store: found %llu and walked %llu of %llu records\n",
                 static_cast<unsigned long long>(found), static_cast<unsigned long long>(walked),
                 static_cast<unsigned long long>(n));
    return 1;
  }
  return 0;
}
