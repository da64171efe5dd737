// What the agent asks fanotify for, and the pidfd that comes with it, in one place: the fanotify
// source uses it, and the bench's kernel-feed probe (bench/kernel_feed.cpp) too, so the kernel's
// price it measures is the agent's own.
#pragma once

#include <sys/fanotify.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace fimon::fanotify_marks {

// The parent's handle and the name are all the agent reads: the object's own handle
// (FAN_REPORT_FID, and FAN_REPORT_TARGET_FID for entry events) would cost the writer one more handle
// encoded in the kernel per event, and identity comes from stat at analysis time anyway.
inline constexpr unsigned int kInitFlags =
    FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME;
// Asked for first, where the kernel has it (5.15): the writer's pidfd with each event.
inline constexpr unsigned int kPidfdFlag = FAN_REPORT_PIDFD;

// Changes to names and attributes: what the names feed needs at the least.
inline constexpr std::uint64_t kNameEvents = FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_ONDIR;
// Changes to content; each costs the writer an event allocated in its own context (and merged).
inline constexpr std::uint64_t kContentEvents = FAN_MODIFY | FAN_CLOSE_WRITE;
// Every mark's mask, with one of the two below.
inline constexpr std::uint64_t kEventMask = kNameEvents | kContentEvents;
// Renames as one event with both names, where the kernel has it (5.17)...
inline constexpr std::uint64_t kRenameEvent = FAN_RENAME;
// ...else as its two halves.
inline constexpr std::uint64_t kMoveEvents = FAN_MOVED_FROM | FAN_MOVED_TO;
// What the agent reads at a time.
inline constexpr std::size_t kReadBufferSize = std::size_t{256} << 10;

// Closes the pidfd an event may carry (kPidfdFlag) without decoding the rest of it. `meta` is the
// event's header, copied out of `event`.
inline void close_pidfd_of(const char* event, const fanotify_event_metadata& meta) {
  const char* p = event + meta.metadata_len;
  const char* end = event + meta.event_len;
  while (p + sizeof(fanotify_event_info_header) <= end) {
    const auto* header = reinterpret_cast<const fanotify_event_info_header*>(p);
    if (header->len == 0 || p + header->len > end) return;
    if (header->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
      const int pidfd = reinterpret_cast<const fanotify_event_info_pidfd*>(p)->pidfd;
      if (pidfd >= 0) close(pidfd);
    }
    p += header->len;
  }
}

}  // namespace fimon::fanotify_marks
