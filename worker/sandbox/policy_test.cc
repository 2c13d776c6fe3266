#include "worker/sandbox/policy.h"

#include "gtest/gtest.h"

namespace mfgate::sandbox {
namespace {

TEST(PolicyArgsTest, RoundTripsEveryField) {
  Policy policy;
  policy.read_paths = {"/usr", "/srv/project"};
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

}  // namespace
}  // namespace mfgate::sandbox
