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
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(q.push(8));
    pushed = true;
  });
  while (q.blocked_producers() == 0) std::this_thread::yield();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.pop(), i);  // 5 left: above half, no wakeup
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.pop(), 3);  // 4 left: half
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.size(), 5u);
  for (int i = 4; i <= 8; ++i) EXPECT_EQ(q.pop(), i);
}

TEST(BoundedQueue, TwoBlockedProducersBothGetInOnceDrainedToHalf) {
  BoundedQueue<int> q(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.push(i));
  std::thread a([&] { EXPECT_TRUE(q.push(10)); });
  std::thread b([&] { EXPECT_TRUE(q.push(11)); });
  while (q.blocked_producers() < 2) std::this_thread::yield();
  EXPECT_EQ(q.pop(), 0);
  EXPECT_EQ(q.pop(), 1);  // half: both woken, both fit
  a.join();
  b.join();
  EXPECT_EQ(q.size(), 4u);
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.push(1));
  std::thread producer([&] { EXPECT_FALSE(q.push(2)); });
  while (q.blocked_producers() == 0) std::this_thread::yield();
  q.close();
  producer.join();
  EXPECT_EQ(q.pop(), 1);
  EXPECT_EQ(q.pop(), std::nullopt);
}

}  // namespace
}  // namespace fimon
