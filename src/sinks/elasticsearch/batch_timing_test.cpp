#include "sinks/elasticsearch/batch_timing.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

using std::chrono::milliseconds;

const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1);

TEST(PartialBatchDue, TheFirstBatchLingersBriefly) {
  EXPECT_EQ(partial_batch_due(kT0, SteadyTime{}, milliseconds(500)), kT0 + kBatchLinger);
}

TEST(PartialBatchDue, AQuietHostSendsAfterTheLingerOnly) {
  // The previous request was long ago: no reason to hold the change for a whole interval.
  EXPECT_EQ(partial_batch_due(kT0, kT0 - std::chrono::seconds(30), milliseconds(500)), kT0 + kBatchLinger);
}

TEST(PartialBatchDue, ABusyHostSendsAtMostOncePerInterval) {
  const SteadyTime last = kT0 - milliseconds(100);
  EXPECT_EQ(partial_batch_due(kT0, last, milliseconds(500)), last + milliseconds(500));
}

TEST(PartialBatchDue, AnIntervalShorterThanTheLingerWins) {
  EXPECT_EQ(partial_batch_due(kT0, SteadyTime{}, milliseconds(10)), kT0 + milliseconds(10));
}

}  // namespace
}  // namespace fimon
