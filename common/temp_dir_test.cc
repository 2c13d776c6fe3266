#include "common/temp_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

TEST(TempDirTest, IsPrivateAndRemovedWithWhatItHolds) {
  std::string path;
  const std::string outside = std::string(getenv("TEST_TMPDIR")) + "/kept";
  std::ofstream(outside) << "kept";
  {
    auto dir = TempDir::Create("mfgate-test-", getenv("TEST_TMPDIR"));
    ASSERT_TRUE(dir.ok()) << dir.status();
    path = (*dir)->path();
    struct stat info;
    ASSERT_EQ(stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    ASSERT_EQ(mkdir((path + "/sub").c_str(), 0700), 0);
    std::ofstream(path + "/sub/file") << "x";
    // A link out of the directory is removed, not followed.
    ASSERT_EQ(symlink(outside.c_str(), (path + "/sub/link").c_str()), 0);
    ASSERT_EQ(symlink(getenv("TEST_TMPDIR"), (path + "/dirlink").c_str()), 0);
  }
  EXPECT_FALSE(Exists(path));
  EXPECT_TRUE(Exists(outside));
}

TEST(TempDirTest, RemovingAMissingTreeIsFine) {
  EXPECT_TRUE(RemoveTree("/nonexistent/mfgate-no-such-tree").ok());
}

}  // namespace
}  // namespace mfgate
