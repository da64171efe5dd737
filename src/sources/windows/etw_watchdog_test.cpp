// The ways an ETW session is blinded, as the watchdog sees them from one check to the next.
#include "sources/windows/etw_watchdog.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

using Action = WatchVerdict::Action;

SessionObservation healthy(std::uint64_t records, std::uint64_t changes) {
  SessionObservation o;
  o.provider = SessionObservation::Provider::kEnabled;
  o.records = records;
  o.changes = changes;
  return o;
}

TEST(EtwWatchdog, AHealthySessionIsLeftAlone) {
  EtwWatchdog w;
  for (std::uint64_t k = 1; k <= 5; ++k) {
    const auto v = w.check(healthy(k * 1000, k * 10));
    EXPECT_FALSE(v.blinded);
    EXPECT_EQ(v.action, Action::kNone);
  }
  // Idle: no records and no changes is not silence.
  for (int k = 0; k < 5; ++k) EXPECT_FALSE(w.check(healthy(5000, 50)).blinded);
}

TEST(EtwWatchdog, AStoppedSessionIsOneEpisodeUntilRecordsFlowAgain) {
  EtwWatchdog w;
  w.check(healthy(100, 1));
  auto stopped = healthy(100, 1);
  stopped.running = false;  // logman stop fimon-kernel-file
  auto v = w.check(stopped);
  EXPECT_TRUE(v.blinded && v.new_episode);
  EXPECT_EQ(v.action, Action::kRestartSession);
  EXPECT_NE(v.why.find("stopped"), std::string::npos);
  stopped.consuming = false;
  v = w.check(stopped);  // the restart failed: still the same episode
  EXPECT_TRUE(v.blinded);
  EXPECT_FALSE(v.new_episode);
  w.session_restarted();
  EXPECT_FALSE(w.check(healthy(150, 2)).blinded);
  stopped.running = true;
  stopped.consuming = false;  // the consumer died on its own
  v = w.check(stopped);
  EXPECT_TRUE(v.new_episode) << "a new episode after records flowed";
  EXPECT_EQ(v.action, Action::kRestartSession);
}

TEST(EtwWatchdog, ADisabledProviderIsEnabledAgain) {
  EtwWatchdog w;
  auto o = healthy(100, 1);
  o.provider = SessionObservation::Provider::kDisabled;
  const auto v = w.check(o);
  EXPECT_TRUE(v.blinded && v.new_episode);
  EXPECT_EQ(v.action, Action::kEnableProvider);
  o.provider = SessionObservation::Provider::kUnknown;  // the enable list could not be read
  EXPECT_FALSE(w.check(o).blinded) << "unknown is not disabled";
}

TEST(EtwWatchdog, SilenceWhileFilesChangeIsBlindingAfterThreeChecks) {
  EtwWatchdog w;
  w.check(healthy(100, 10));
  EXPECT_FALSE(w.check(healthy(100, 20)).blinded);
  EXPECT_FALSE(w.check(healthy(100, 30)).blinded);
  const auto v = w.check(healthy(100, 40));
  EXPECT_TRUE(v.blinded && v.new_episode);
  EXPECT_EQ(v.action, Action::kNone);
  EXPECT_NE(v.why.find("30 files changed"), std::string::npos) << v.why;
  EXPECT_FALSE(w.check(healthy(100, 50)).new_episode);
  EXPECT_FALSE(w.check(healthy(101, 60)).blinded) << "a record: recovered";
}

TEST(EtwWatchdog, LostEventsAndBuffersAreCountedOnceEach) {
  EtwWatchdog w;
  auto o = healthy(100, 1);
  o.events_lost = 5;
  o.buffers_lost = 1;
  EXPECT_EQ(w.check(o).lost, 6U);
  o.records = 200;
  EXPECT_EQ(w.check(o).lost, 0U);
  o.events_lost = 9;
  o.records = 300;
  EXPECT_EQ(w.check(o).lost, 4U);
  w.session_restarted();  // a new session counts from zero
  o.events_lost = 2;
  o.buffers_lost = 0;
  o.records = 400;
  EXPECT_EQ(w.check(o).lost, 2U);
}

}  // namespace
}  // namespace fimon
