#include "common/loopback.h"

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(LoopbackTest, HostHeadersMatchWholeNames) {
  for (const char* host : {"localhost", "LOCALHOST", "127.0.0.1", "[::1]",
                           "localhost:8000", "127.0.0.1:1", "[::1]:65535"}) {
    EXPECT_TRUE(IsLoopbackHostHeader(host)) << host;
  }
  for (const char* host :
       {"", "[::1].evil.example", "[::1]evil", "localhost.evil.example",
        "localhost.evil.example:8000", "127.0.0.1.nip.io", "127.0.0.1:80.evil",
        "evil.example", "localhost:", "localhost:80:80", "localhost:123456",
        "localhost:8o", "::1", "127.0.0.2", "[::1]:x", "localhost evil"}) {
    EXPECT_FALSE(IsLoopbackHostHeader(host)) << host;
  }
}

TEST(LoopbackTest, OriginsNeedAnHttpSchemeAndALoopbackHostOnly) {
  for (const char* origin :
       {"http://localhost", "https://127.0.0.1:8443", "http://[::1]:8000"}) {
    EXPECT_TRUE(IsLoopbackOrigin(origin)) << origin;
  }
  for (const char* origin :
       {"null", "localhost", "ftp://localhost", "http://[::1].evil.example",
        "http://localhost.evil.example", "https://127.0.0.1.nip.io",
        "http://localhost/path", "http://localhost@evil.example",
        "http://evil.example"}) {
    EXPECT_FALSE(IsLoopbackOrigin(origin)) << origin;
  }
}

TEST(LoopbackTest, ListeningAddresses) {
  for (const char* host : {"127.0.0.1", "localhost", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackAddress(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "localhost.evil"}) {
    EXPECT_FALSE(IsLoopbackAddress(host)) << host;
  }
}

}  // namespace
}  // namespace mfgate
