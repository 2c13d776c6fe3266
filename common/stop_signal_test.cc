#include "common/stop_signal.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(StopSignalTest, ASignalSentBeforeWaitIsNotLost) {
  StopSignal stop;
  ASSERT_EQ(raise(SIGTERM), 0);  // The process survives: the handler runs.
  EXPECT_EQ(stop.Wait(), SIGTERM);
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_EQ(stop.Wait(), SIGINT);
}

}  // namespace
}  // namespace mfgate
