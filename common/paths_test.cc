#include "common/paths.h"

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(PathsTest, Dirname) {
  EXPECT_EQ(Dirname("/a/b"), "/a");
  EXPECT_EQ(Dirname("/a"), "/");
  EXPECT_EQ(Dirname("a"), ".");
}

TEST(PathsTest, RealPathResolvesOrKeepsThePath) {
  EXPECT_EQ(RealPath("/usr/../usr/bin"), "/usr/bin");
  EXPECT_EQ(RealPath("/nonexistent/x"), "/nonexistent/x");
}

TEST(PathsTest, ExecutableDirHoldsThisTest) {
  EXPECT_EQ(RealPath(ExecutableDir() + "/paths_test"),
            RealPath("/proc/self/exe"));
}

}  // namespace
}  // namespace mfgate
