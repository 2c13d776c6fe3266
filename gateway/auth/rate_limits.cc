#include "gateway/auth/rate_limits.h"

#include <algorithm>

namespace mfgate::auth {

absl::Duration TokenBuckets::Take(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!fresh) {
    double refill = absl::ToDoubleSeconds(now - bucket.updated) * rate_;
    bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, refill));
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - bucket.tokens) / rate_);
}

void FailureThrottle::Fail(const std::string& address, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto found = windows_.find(address);
  if (found == windows_.end()) {
    if (windows_.size() >= max_addresses_) {
      // Forget the address whose window started longest ago.
      auto stalest = std::min_element(windows_.begin(), windows_.end(),
                                      [](const auto& a, const auto& b) {
                                        return a.second.start < b.second.start;
                                      });
      windows_.erase(stalest);
    }
    windows_[address] = Window{now, 1};
    return;
  }
  if (now - found->second.start > window_) {
    found->second = Window{now, 1};
  } else {
    ++found->second.failures;
  }
}

absl::Duration FailureThrottle::Blocked(const std::string& address,
                                        absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto found = windows_.find(address);
  if (found == windows_.end()) return absl::ZeroDuration();
  absl::Duration age = now - found->second.start;
  if (age > window_) {
    windows_.erase(found);
    return absl::ZeroDuration();
  }
  return found->second.failures >= max_failures_ ? window_ - age
                                                 : absl::ZeroDuration();
}

size_t FailureThrottle::tracked() const {
  absl::MutexLock lock(&mu_);
  return windows_.size();
}

}  // namespace mfgate::auth
