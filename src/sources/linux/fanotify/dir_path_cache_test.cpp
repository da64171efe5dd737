#include "sources/linux/fanotify/dir_path_cache.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1);

TEST(DirPathCache, KeepsAPathForLessThanItsLifetime) {
  DirPathCache cache;
  cache.expire(kT0);
  cache.put("handle-a", "/srv/a");
  cache.expire(kT0 + DirPathCache::kLifetime - std::chrono::nanoseconds(1));
  EXPECT_EQ(cache.find("handle-a"), "/srv/a");
  EXPECT_EQ(cache.find("handle-b"), std::nullopt);
}

TEST(DirPathCache, ForgetsEverythingOnceTheOldestEntryIsALifetimeOld) {
  DirPathCache cache;
  cache.expire(kT0);
  cache.put("handle-a", "/srv/a");
  cache.expire(kT0 + DirPathCache::kLifetime / 2);
  cache.put("handle-b", "/srv/b");
  cache.expire(kT0 + DirPathCache::kLifetime);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DirPathCache, TheLifetimeStartsWithTheFirstEntryAfterAClear) {
  DirPathCache cache;
  cache.expire(kT0);
  cache.expire(kT0 + 5 * DirPathCache::kLifetime);  // empty all along
  cache.put("handle-a", "/srv/a");
  cache.expire(kT0 + 5 * DirPathCache::kLifetime + std::chrono::nanoseconds(1));
  EXPECT_EQ(cache.find("handle-a"), "/srv/a");
}

TEST(DirPathCache, StopsGrowingAtItsBound) {
  DirPathCache cache;
  cache.expire(kT0);
  for (std::size_t i = 0; i < DirPathCache::kMaxEntries + 10; ++i) cache.put(std::to_string(i), "/d");
  EXPECT_EQ(cache.size(), DirPathCache::kMaxEntries);
}

TEST(DirPathCache, ClearForgetsEverything) {
  DirPathCache cache;
  cache.expire(kT0);
  cache.put("handle-a", "/srv/a");
  cache.clear();
  EXPECT_EQ(cache.find("handle-a"), std::nullopt);
}

}  // namespace
}  // namespace fimon
