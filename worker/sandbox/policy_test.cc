#include "worker/sandbox/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mfgate::sandbox {
namespace {

TEST(PolicyArgsTest, RoundTripsEveryField) {
  Policy policy;
  policy.read_paths = {"/usr", "/srv/project"};
  policy.list_paths = {"/srv"};
  policy.write_paths = {"/tmp/scratch"};
  policy.exec_paths = {"/usr/bin/python3"};
  policy.network = Network::kTcp;
  policy.tcp_connect_ports = {5432, 443};
  policy.limits.open_files = 77;
  policy.limits.address_space_bytes = 1ull << 33;
  policy.require_landlock = true;
  auto parsed = ParsePolicyArgs(ToArgs(policy));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->read_paths, policy.read_paths);
  EXPECT_EQ(parsed->list_paths, policy.list_paths);
  EXPECT_EQ(parsed->write_paths, policy.write_paths);
  EXPECT_EQ(parsed->exec_paths, policy.exec_paths);
  EXPECT_EQ(parsed->network, Network::kTcp);
  EXPECT_EQ(parsed->tcp_connect_ports, policy.tcp_connect_ports);
  EXPECT_EQ(parsed->limits.open_files, 77u);
  EXPECT_EQ(parsed->limits.address_space_bytes, 1ull << 33);
  EXPECT_TRUE(parsed->require_landlock);
}

TEST(PolicyArgsTest, RejectsBadInputWithTheArgumentNamed) {
  EXPECT_NE(
      ParsePolicyArgs({"--network", "wifi"}).status().message().find("wifi"),
      std::string::npos);
  EXPECT_NE(ParsePolicyArgs({"--tcp-connect", "70000"})
                .status()
                .message()
                .find("70000"),
            std::string::npos);
  EXPECT_NE(ParsePolicyArgs({"--limit-open-files", "many"})
                .status()
                .message()
                .find("many"),
            std::string::npos);
  EXPECT_NE(
      ParsePolicyArgs({"--bogus", "1"}).status().message().find("--bogus"),
      std::string::npos);
  EXPECT_FALSE(ParsePolicyArgs({"--read"}).ok());
}

class HidePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hide-path-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    for (const char* dir : {"/project", "/project/models", "/project/conf"}) {
      ASSERT_EQ(mkdir((root_ + dir).c_str(), 0700), 0);
    }
    for (const char* file :
         {"/project/dbt_project.yml", "/project/conf/profiles.yml",
          "/project/conf/other.yml", "/project/models/m.sql"}) {
      FILE* f = fopen((root_ + file).c_str(), "w");
      ASSERT_NE(f, nullptr);
      fclose(f);
    }
  }
  void TearDown() override {
    std::string command = "rm -rf " + root_;
    ASSERT_EQ(system(command.c_str()), 0);
  }
  std::string root_;
};

std::vector<std::string> Sorted(std::vector<std::string> paths) {
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST_F(HidePathTest, ReadPathsAboveTheHiddenFileAreSplit) {
  Policy policy;
  policy.read_paths = {"/usr", root_ + "/project", root_ + "/project/models"};
  HidePath(&policy, root_ + "/project/conf/profiles.yml");
  EXPECT_EQ(Sorted(policy.list_paths),
            Sorted({root_ + "/project", root_ + "/project/conf"}));
  EXPECT_EQ(
      Sorted(policy.read_paths),
      Sorted({"/usr", root_ + "/project/models", root_ + "/project/models",
              root_ + "/project/dbt_project.yml",
              root_ + "/project/conf/other.yml"}));
}

TEST_F(HidePathTest, AReadPathThatIsTheHiddenFileGoesAndOthersStay) {
  Policy policy;
  policy.read_paths = {"/usr", root_ + "/project/conf/profiles.yml"};
  HidePath(&policy, root_ + "/project/conf/profiles.yml");
  EXPECT_EQ(policy.read_paths, std::vector<std::string>{"/usr"});
  EXPECT_TRUE(policy.list_paths.empty());
}

}  // namespace
}  // namespace mfgate::sandbox
