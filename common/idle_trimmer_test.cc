#include "common/idle_trimmer.h"

#include <atomic>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

// A trimmer whose own thread never checks within a test, so each test drives
// Check() itself.
struct Fixture {
  std::atomic<uint64_t> calls{0};
  std::atomic<int> trimmed{0};
  IdleTrimmer trimmer{[this] { return calls.load(); }, absl::Hours(1),
                      [this] { ++trimmed; }};
};

TEST(IdleTrimmerTest, NeverTrimsWithoutNewWork) {
  Fixture f;
  EXPECT_FALSE(f.trimmer.Check());
  EXPECT_FALSE(f.trimmer.Check());
  EXPECT_EQ(f.trimmed, 0);
}

TEST(IdleTrimmerTest, TrimsOnceWhenWorkStops) {
  Fixture f;
  f.calls = 10;
  EXPECT_FALSE(f.trimmer.Check());  // Busy since the last check.
  EXPECT_TRUE(f.trimmer.Check());   // Quiet: trims.
  EXPECT_FALSE(f.trimmer.Check());  // Still quiet: nothing new to give back.
  EXPECT_EQ(f.trimmed, 1);
  EXPECT_EQ(f.trimmer.trims(), 1);
}

TEST(IdleTrimmerTest, DoesNotTrimWhileBusy) {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    f.calls += 3;
    EXPECT_FALSE(f.trimmer.Check());
  }
  EXPECT_EQ(f.trimmed, 0);
  EXPECT_TRUE(f.trimmer.Check());
  f.calls += 1;
  EXPECT_FALSE(f.trimmer.Check());
  EXPECT_TRUE(f.trimmer.Check());  // A second quiet spell, a second trim.
  EXPECT_EQ(f.trimmed, 2);
}

TEST(IdleTrimmerTest, WorkBeforeStartCountsAsTrimmed) {
  std::atomic<uint64_t> calls{7};
  int trimmed = 0;
  IdleTrimmer trimmer([&] { return calls.load(); }, absl::Hours(1),
                      [&] { ++trimmed; });
  EXPECT_FALSE(trimmer.Check());
  EXPECT_EQ(trimmed, 0);
}

TEST(IdleTrimmerTest, BackgroundThreadTrimsAfterQuiet) {
  std::atomic<uint64_t> calls{0};
  std::atomic<int> trimmed{0};
  IdleTrimmer trimmer([&] { return calls.load(); }, absl::Milliseconds(5),
                      [&] { ++trimmed; });
  calls = 1;
  for (int i = 0; i < 2000 && trimmed == 0; ++i)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(trimmed, 1);
}

}  // namespace
}  // namespace mfgate
