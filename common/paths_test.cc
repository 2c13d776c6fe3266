#include "common/paths.h"

#include <stdio.h>
#include <stdlib.h>

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

TEST(PathsTest, ReadFileUpToReadsWholeFilesWithinTheBound) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/text";
  FILE* file = fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  fputs("0123456789", file);
  fclose(file);
  EXPECT_EQ(*ReadFileUpTo(path, 10), "0123456789");
  EXPECT_EQ(ReadFileUpTo(path, 9).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ReadFileUpTo(path + ".missing", 10).status().code(),
            absl::StatusCode::kNotFound);
  // A directory opens but cannot be read.
  EXPECT_EQ(ReadFileUpTo(getenv("TEST_TMPDIR"), 10).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mfgate
