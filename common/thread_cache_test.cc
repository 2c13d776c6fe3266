#include "common/thread_cache.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

bool Eventually(const std::function<bool()>& condition) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TEST(ThreadCacheTest, BlockedTasksNeverQueueBehindEachOther) {
  // Declared before the cache, whose destructor waits for the tasks that use
  // them: they must outlive it.
  absl::Notification release;
  std::atomic<int> running{0};
  ThreadCache cache(absl::Seconds(60));
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(cache.TryRun([&] {
      ++running;
      release.WaitForNotification();
    }));
  }
  EXPECT_TRUE(Eventually([&] { return running == 20; }));
  EXPECT_EQ(cache.threads(), 20);
  release.Notify();
}

TEST(ThreadCacheTest, IdleThreadsAreReusedThenRetired) {
  ThreadCache cache(absl::Milliseconds(300));
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(cache.TryRun([&] { ++done; }));
    ASSERT_TRUE(Eventually([&] { return done == i + 1 && cache.idle() == 1; }));
  }
  // One after another: the first thread served them all.
  EXPECT_EQ(cache.threads(), 1);
  EXPECT_TRUE(Eventually([&] { return cache.threads() == 0; }));
  EXPECT_TRUE(
      cache.TryRun([&] { ++done; }));  // A retired cache starts a thread again.
  EXPECT_TRUE(Eventually([&] { return done == 51; }));
}

// One parked thread per blocked task, up to the cap: the next task is
// refused rather than given a thread more; a freed thread takes work again.
TEST(ThreadCacheTest, TheCapIsNeverExceeded) {
  ThreadCache cache(absl::Seconds(60), /*max_threads=*/4);
  absl::Notification release;
  std::atomic<int> running{0};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(cache.TryRun([&] {
      ++running;
      release.WaitForNotification();
    }));
  }
  EXPECT_TRUE(Eventually([&] { return running == 4; }));
  std::atomic<bool> ran{false};
  EXPECT_FALSE(cache.TryRun([&] { ran = true; }));
  EXPECT_EQ(cache.threads(), 4);
  release.Notify();
  EXPECT_TRUE(Eventually([&] { return cache.idle() == 4; }));
  EXPECT_TRUE(cache.TryRun([&] { ran = true; }));
  EXPECT_TRUE(Eventually([&] { return ran.load(); }));
  EXPECT_FALSE(ran.load() && cache.threads() > 4);
}

TEST(ThreadCacheTest, AtTheCapTasksWaitInABoundedQueue) {
  ThreadCache cache(absl::Seconds(60), /*max_threads=*/2, /*max_queued=*/1);
  absl::Notification release;
  std::atomic<int> done{0};
  auto blocked = [&] {
    release.WaitForNotification();
    ++done;
  };
  EXPECT_TRUE(cache.TryRun(blocked));
  EXPECT_TRUE(cache.CanRunNow());
  EXPECT_TRUE(cache.TryRun(blocked));
  EXPECT_FALSE(cache.CanRunNow());
  EXPECT_TRUE(cache.TryRun(blocked));   // Waits for a thread.
  EXPECT_FALSE(cache.TryRun(blocked));  // Refused: the queue is full.
  EXPECT_TRUE(Eventually([&] { return cache.busy() == 2; }));
  EXPECT_EQ(cache.threads(), 2);
  release.Notify();
  EXPECT_TRUE(Eventually([&] { return done == 3 && cache.busy() == 0; }));
  EXPECT_TRUE(cache.TryRun([&] { ++done; }));  // Room again.
  EXPECT_TRUE(Eventually([&] { return done == 4; }));
}

TEST(ThreadCacheTest, DestructorRunsQueuedTasksAndWaits) {
  std::atomic<int> done{0};
  {
    ThreadCache cache;
    for (int i = 0; i < 10; ++i) {
      EXPECT_TRUE(cache.TryRun([&] {
        absl::SleepFor(absl::Milliseconds(20));
        ++done;
      }));
    }
  }
  EXPECT_EQ(done, 10);
}

}  // namespace
}  // namespace mfgate
