#include "gateway/auth/rate_limits.h"

#include "gtest/gtest.h"

namespace mfgate::auth {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000000);

TEST(TokenBucketsTest, BurstThenRate) {
  TokenBuckets buckets(/*rate=*/2, /*burst=*/3);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(buckets.Take("t", kStart), absl::ZeroDuration());
  absl::Duration wait = buckets.Take("t", kStart);
  EXPECT_GT(wait, absl::ZeroDuration());
  EXPECT_LE(wait, absl::Milliseconds(500));
  EXPECT_EQ(buckets.Take("other", kStart), absl::ZeroDuration());  // Per key.
  EXPECT_EQ(buckets.Take("t", kStart + absl::Milliseconds(600)),
            absl::ZeroDuration());
}

TEST(FailureThrottleTest, BlocksAfterTooManyFailuresWithinTheWindow) {
  FailureThrottle throttle(3, absl::Minutes(1), 100);
  for (int i = 0; i < 2; ++i) throttle.Fail("1.2.3.4", kStart);
  EXPECT_EQ(throttle.Blocked("1.2.3.4", kStart), absl::ZeroDuration());
  throttle.Fail("1.2.3.4", kStart);
  EXPECT_GT(throttle.Blocked("1.2.3.4", kStart + absl::Seconds(10)),
            absl::Seconds(49));
  EXPECT_EQ(throttle.Blocked("5.6.7.8", kStart), absl::ZeroDuration());
  EXPECT_EQ(throttle.Blocked("1.2.3.4", kStart + absl::Minutes(2)),
            absl::ZeroDuration());
}

TEST(FailureThrottleTest, MemoryIsBounded) {
  FailureThrottle throttle(3, absl::Minutes(1), 100);
  for (int i = 0; i < 10000; ++i) {
    throttle.Fail("10.0." + std::to_string(i), kStart + absl::Milliseconds(i));
  }
  EXPECT_EQ(throttle.tracked(), 100u);
}

}  // namespace
}  // namespace mfgate::auth
