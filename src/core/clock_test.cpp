#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace fimon {
namespace {

TEST(Rfc3339, FormatsUtcWithNanoseconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339(1795486064123456789LL), "2026-11-24T02:07:44.123456789Z");
  EXPECT_EQ(format_rfc3339(951782400000000000LL), "2000-02-29T00:00:00.000000000Z");  // leap day
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_rfc3339(std::numeric_limits<WallTimeNs>::max()), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(format_rfc3339(std::numeric_limits<WallTimeNs>::min()), "1677-09-21T00:12:43.145224192Z");
}

}  // namespace
}  // namespace fimon
