#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "platform/lifecycle.hpp"

namespace fimon::platform {
namespace {

int own_nice() {
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

TEST(LowerThreadPriority, LowersOnlyTheCallingThread) {
  const int before = own_nice();
  int inside = 0, child_of_inside = 0;
  std::thread t([&] {
    ASSERT_TRUE(lower_current_thread_priority(3));
    inside = own_nice();
    std::thread([&] { child_of_inside = own_nice(); }).join();
  });
  t.join();
  EXPECT_EQ(inside, std::min(19, before + 3));
  EXPECT_EQ(child_of_inside, inside);  // threads it starts inherit it
  EXPECT_EQ(own_nice(), before);
}

TEST(LowerThreadPriority, StopsAtTheLowestPriority) {
  int inside = 0;
  std::thread([&] {
    EXPECT_TRUE(lower_current_thread_priority(100));
    inside = own_nice();
  }).join();
  EXPECT_EQ(inside, 19);
}

}  // namespace
}  // namespace fimon::platform
