#include "common/flags.h"

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(FlagsTest, DashesInNamesBecomeUnderscoresValuesStay) {
  std::vector<std::string> args = {
      "prog",        "--project-dir=/a-b", "--profiles-dir",
      "/x-y",        "-log-level=debug",   "--",
      "--not-a-flag"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto storage =
      NormalizeFlagDashes(static_cast<int>(argv.size()), argv.data());
  EXPECT_STREQ(argv[1], "--project_dir=/a-b");
  EXPECT_STREQ(argv[2], "--profiles_dir");
  EXPECT_STREQ(argv[3], "/x-y");
  EXPECT_STREQ(argv[4], "-log_level=debug");
  EXPECT_STREQ(argv[6], "--not-a-flag");
}

}  // namespace
}  // namespace mfgate
