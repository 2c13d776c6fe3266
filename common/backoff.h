// Backoff: the delays between attempts at something that keeps failing (a
// child process that will not start), doubling from `min` to at most `max`.
//
// Not thread-safe: one owner (the thread that retries) holds it.
#ifndef MFGATE_COMMON_BACKOFF_H_
#define MFGATE_COMMON_BACKOFF_H_

#include <algorithm>

#include "absl/time/time.h"

namespace mfgate {

class Backoff {
 public:
  Backoff(absl::Duration min, absl::Duration max)
      : min_(min), max_(std::max(min, max)), next_(min) {}

  // The delay before the next attempt; each call doubles the one after, up
  // to `max`.
  absl::Duration Next() {
    const absl::Duration delay = next_;
    next_ = std::min(next_ * 2, max_);
    return delay;
  }

  // After a success: the next failure waits `min` again.
  void Reset() { next_ = min_; }

 private:
  const absl::Duration min_;
  const absl::Duration max_;
  absl::Duration next_;
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_BACKOFF_H_
