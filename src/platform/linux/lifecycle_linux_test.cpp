#include <gtest/gtest.h>
#include <sys/prctl.h>
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

TEST(NameCurrentThread, NamesOnlyTheCallingThreadAndKeeps15Bytes) {
  char before[16] = {};
  ASSERT_EQ(::prctl(PR_GET_NAME, before), 0);
  char inside[16] = {};
  std::thread([&] {
    name_current_thread("fimon-a-very-long-thread-name");
    ASSERT_EQ(::prctl(PR_GET_NAME, inside), 0);
  }).join();
  EXPECT_STREQ(inside, "fimon-a-very-lo");
  char after[16] = {};
  ASSERT_EQ(::prctl(PR_GET_NAME, after), 0);
  EXPECT_STREQ(after, before);
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
