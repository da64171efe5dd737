#include "sources/windows/etw_watchdog.hpp"

#include <algorithm>

namespace fimon {

WatchVerdict EtwWatchdog::verdict(WatchVerdict v, std::string why) {
  v.blinded = true;
  v.new_episode = !blinded_;
  v.why = std::move(why);
  blinded_ = true;
  return v;
}

void EtwWatchdog::session_restarted() {
  events_lost_ = 0;
  buffers_lost_ = 0;
}

WatchVerdict EtwWatchdog::check(const SessionObservation& now) {
  WatchVerdict v;
  if (!now.consuming || !now.running) {
    v.action = WatchVerdict::Action::kRestartSession;
    return verdict(v, "the Kernel-File session was stopped by someone else; starting it again");
  }
  if (now.provider == SessionObservation::Provider::kDisabled) {
    v.action = WatchVerdict::Action::kEnableProvider;
    return verdict(v, "Microsoft-Windows-Kernel-File was disabled in the session; enabling it again");
  }
  v.lost = (now.events_lost - std::min(now.events_lost, events_lost_)) +
           (now.buffers_lost - std::min(now.buffers_lost, buffers_lost_));
  events_lost_ = now.events_lost;
  buffers_lost_ = now.buffers_lost;

  // Files changed (ReadDirectoryChangesW saw them) but not one record came: blinded some other way
  // (a filter driver swallowing the provider's events, a session starved of buffers).
  const bool silent = now.records == records_;
  records_ = now.records;
  if (silent && now.changes > changes_) {
    if (++silent_checks_ >= kSilentChecks) {
      return verdict(v, "no Kernel-File events for " + std::to_string(silent_checks_) + " checks while " +
                            std::to_string(now.changes - changes_) + " files changed");
    }
    return v;
  }
  silent_checks_ = 0;
  changes_ = now.changes;
  if (!silent) blinded_ = false;  // records flow again: the next loss is a new episode
  return v;
}

}  // namespace fimon
