#include "gateway/transport/caller_names.h"

#include <string>

#include "common/call_headers.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

const std::string kSecret(32, 'k');

TEST(CallerNamesTest, StableOpaqueAndDistinct) {
  const CallerNames names(kSecret);
  const std::string a = names.ForSession("session-a");
  EXPECT_EQ(a, names.ForSession("session-a"));
  EXPECT_NE(a, names.ForSession("session-b"));
  EXPECT_EQ(a.find("session-a"), std::string::npos);
  EXPECT_LE(a.size(), kMaxCallerBytes);
  // Replicas that share the secret name a session alike; others do not.
  EXPECT_EQ(a, CallerNames(kSecret).ForSession("session-a"));
  EXPECT_NE(a, CallerNames(std::string(32, 'j')).ForSession("session-a"));
  EXPECT_NE(CallerNames("").ForSession("session-a"),
            CallerNames("").ForSession("session-a"));
}

TEST(CallerNamesTest, ClientsAreNamedByTenantAndPeerNeverLikeASession) {
  const CallerNames names(kSecret);
  const std::string client = names.ForClient("acme", "10.0.0.1");
  EXPECT_EQ(client, names.ForClient("acme", "10.0.0.1"));
  EXPECT_NE(client, names.ForClient("acme", "10.0.0.2"));
  EXPECT_NE(client, names.ForClient("other", "10.0.0.1"));
  // The pair reads one way only.
  EXPECT_NE(names.ForClient("ab", "c"), names.ForClient("a", "bc"));
  EXPECT_NE(names.ForClient("acme", ""), names.ForSession("acme"));
  EXPECT_LE(client.size(), kMaxCallerBytes);
}

}  // namespace
}  // namespace mfgate::transport
