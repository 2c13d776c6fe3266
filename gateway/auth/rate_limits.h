// Limits on callers: a token bucket per tenant, and a throttle on failed
// authentication per client address.
//
// The throttle only ever slows callers *without* a valid key: a request is
// authenticated first, and a valid key is admitted whatever its address did
// before. Both structures bound their memory (tenants are fixed; addresses
// are capped, the stalest forgotten first). Thread-safe.
#ifndef MFGATE_GATEWAY_AUTH_RATE_LIMITS_H_
#define MFGATE_GATEWAY_AUTH_RATE_LIMITS_H_

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mfgate::auth {

// Admits at most `rate` requests per second per key, in bursts of `burst`.
class TokenBuckets {
 public:
  TokenBuckets(double rate, double burst) : rate_(rate), burst_(burst) {}

  // Zero when admitted; otherwise how long until a request would be.
  absl::Duration Take(const std::string& key, absl::Time now = absl::Now());

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  const double rate_;
  const double burst_;
  absl::Mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// Counts failed authentications per address within a window.
class FailureThrottle {
 public:
  FailureThrottle(int max_failures, absl::Duration window, size_t max_addresses)
      : max_failures_(max_failures),
        window_(window),
        max_addresses_(max_addresses) {}

  // Records a failure of `address`.
  void Fail(const std::string& address, absl::Time now = absl::Now());
  // Zero when `address` may try again; otherwise how long until it may.
  absl::Duration Blocked(const std::string& address,
                         absl::Time now = absl::Now());
  size_t tracked() const;

 private:
  struct Window {
    absl::Time start;
    int failures;
  };
  const int max_failures_;
  const absl::Duration window_;
  const size_t max_addresses_;
  mutable absl::Mutex mu_;
  std::map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::auth

#endif  // MFGATE_GATEWAY_AUTH_RATE_LIMITS_H_
