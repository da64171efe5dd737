// When a partial _bulk batch is sent (a full one goes at once).
//
// A change on a quiet host goes out after a short linger, so that the siblings of a burst share
// its request, rather than after a whole flush interval; a busy host still sends at most one
// partial batch per interval, however its changes trickle in. The cluster sees no more requests
// than with a fixed interval, and the common case (one file changed) is searchable a second
// sooner (bench/steady_stream.py measures it).
#pragma once

#include <algorithm>
#include <chrono>

#include "core/clock.hpp"

namespace fimon {

inline constexpr std::chrono::milliseconds kBatchLinger{50};

// `first_waiting`: when the oldest unsent document was seen waiting; `last_request`: when the
// previous batch was taken (a default-constructed time point: none yet).
inline SteadyTime partial_batch_due(SteadyTime first_waiting, SteadyTime last_request,
                                    std::chrono::milliseconds interval) {
  const auto linger = std::min(kBatchLinger, interval);
  if (last_request == SteadyTime{}) return first_waiting + linger;
  return std::max(first_waiting + linger, last_request + interval);
}

}  // namespace fimon
