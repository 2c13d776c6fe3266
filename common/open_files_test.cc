#include "common/open_files.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

using ::testing::HasSubstr;

class OpenFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved_), 0); }
  // Raising a hard limit needs privileges the test may not have: the test
  // lowers only the soft limit and restores it.
  void TearDown() override { setrlimit(RLIMIT_NOFILE, &saved_); }
  rlimit saved_;
};

TEST_F(OpenFilesTest, RaisesTheSoftLimitToTheHardLimit) {
  rlimit low = saved_;
  low.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  auto raised = RaiseOpenFileLimit("test", 32);
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(*raised, saved_.rlim_max);
  rlimit now;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, saved_.rlim_max);
}

TEST_F(OpenFilesTest, TooLowAHardLimitIsAClearError) {
  if (saved_.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no hard limit";
  auto raised = RaiseOpenFileLimit("prog", saved_.rlim_max + 1);
  EXPECT_EQ(raised.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(raised.status().message(), HasSubstr("prog needs at least"));
  EXPECT_THAT(raised.status().message(), HasSubstr("ulimit -n"));
}

}  // namespace
}  // namespace mfgate
