#include "common/listen_socket.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(ListenSocketTest, ATakenPortFailsToBindWithAClearMessage) {
  absl::StatusOr<int> first = ListenTcp("127.0.0.1", 0);
  ASSERT_TRUE(first.ok()) << first.status();
  const int port = BoundPort(*first);
  ASSERT_GT(port, 0);
  absl::StatusOr<int> second = ListenTcp("127.0.0.1", port);
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_NE(second.status().message().find("already in use"),
            std::string::npos);
  close(*first);
}

TEST(ListenSocketTest, BracketedIpv6AndUnknownHosts) {
  absl::StatusOr<int> v6 = ListenTcp("[::1]", 0);
  if (v6.ok()) {  // Some containers have no IPv6 loopback.
    EXPECT_GT(BoundPort(*v6), 0);
    close(*v6);
  }
  EXPECT_FALSE(ListenTcp("no-such-host.invalid", 0).ok());
}

}  // namespace
}  // namespace mfgate
