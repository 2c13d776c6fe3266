#include "common/idle_trimmer.h"

#include <utility>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace mfgate {

IdleTrimmer::IdleTrimmer(std::function<uint64_t()> activity,
                         absl::Duration period, std::function<void()> trim)
    : activity_(std::move(activity)), trim_(std::move(trim)) {
  // Work done before the trimmer exists (start-up) counts as trimmed: the
  // first trim follows the first quiet spell after new work.
  last_seen_ = last_trimmed_ = activity_();
  thread_ = std::thread([this, period] {
    while (!stop_.WaitForNotificationWithTimeout(period)) Check();
  });
}

IdleTrimmer::~IdleTrimmer() {
  stop_.Notify();
  thread_.join();
}

bool IdleTrimmer::Check() {
  absl::MutexLock lock(&mu_);
  const uint64_t now = activity_();
  const bool quiet = now == last_seen_;
  last_seen_ = now;
  if (!quiet || now == last_trimmed_) return false;
  trim_();
  last_trimmed_ = now;
  ++trims_;
  return true;
}

int IdleTrimmer::trims() const {
  absl::MutexLock lock(&mu_);
  return trims_;
}

void IdleTrimmer::TrimMallocArenas() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace mfgate
