// Decides, from what the ETW session looks like every few seconds, whether someone has blinded it
// and what to do about it. Pure logic (no Windows calls), so Wine, which runs no session, can test
// it: the tracer feeds it observations and carries out its verdicts.
#pragma once

#include <cstdint>
#include <string>

namespace fimon {

struct SessionObservation {
  enum class Provider { kUnknown, kEnabled, kDisabled };
  bool consuming = true;  // the ProcessTrace thread still runs
  bool running = true;    // ControlTrace QUERY found the session
  Provider provider = Provider::kUnknown;
  std::uint64_t events_lost = 0;  // the session's totals
  std::uint64_t buffers_lost = 0;
  std::uint64_t records = 0;  // records the consumer has received so far
  std::uint64_t changes = 0;  // changes ReadDirectoryChangesW has handed on so far
};

struct WatchVerdict {
  enum class Action { kNone, kRestartSession, kEnableProvider };
  Action action = Action::kNone;
  bool blinded = false;      // the tracer cannot be trusted right now
  bool new_episode = false;  // ...and it was fine at the previous check: count it once
  std::string why;           // for the log, when blinded
  std::uint64_t lost = 0;    // events and buffers lost since the previous check
};

class EtwWatchdog {
 public:
  static constexpr int kSilentChecks = 3;  // checks in a row without a record while files changed

  WatchVerdict check(const SessionObservation& now);
  // A new session's loss counters start again from zero.
  void session_restarted();

 private:
  WatchVerdict verdict(WatchVerdict v, std::string why);
  std::uint64_t events_lost_ = 0;
  std::uint64_t buffers_lost_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t changes_ = 0;  // at the last check with records (silence is measured from there)
  int silent_checks_ = 0;
  bool blinded_ = false;
};

}  // namespace fimon
