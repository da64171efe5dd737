#include "core/bounded_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace fimon {
namespace {

TEST(BoundedQueue, KeepsOrderAndDrainsAfterClose) {
  BoundedQueue<int> q(4);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.push(i));
  q.close();
  EXPECT_FALSE(q.push(9));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.pop(), i);
  EXPECT_EQ(q.pop(), std::nullopt);
}

TEST(BoundedQueue, AFullQueueTakesMoreOnlyOnceDrainedToHalf) {
  BoundedQueue<int> q(8);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(q.push(i));
  std::atomic<bool> pushing{false}, pushed{false};
  std::thread producer([&] {
    pushing = true;
    EXPECT_TRUE(q.push(8));
    pushed = true;
  });
  while (!pushing) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // into push() and waiting
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.pop(), i);  // 5 left: above half
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.pop(), 3);  // 4 left: half
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.size(), 5u);
  for (int i = 4; i <= 8; ++i) EXPECT_EQ(q.pop(), i);
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.push(1));
  std::thread producer([&] { EXPECT_FALSE(q.push(2)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.close();
  producer.join();
  EXPECT_EQ(q.pop(), 1);
  EXPECT_EQ(q.pop(), std::nullopt);
}

}  // namespace
}  // namespace fimon
