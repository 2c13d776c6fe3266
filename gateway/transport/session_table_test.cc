#include "gateway/transport/session_table.h"

#include <memory>
#include <string>

#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/jsonrpc.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

class SessionTableTest : public ::testing::Test {
 protected:
  std::shared_ptr<HttpSession> New(const std::string& id,
                                   const std::string& tenant = "t") {
    return std::make_shared<HttpSession>(id, tenant, mcp::Handlers{&tools_},
                                         mcp::SessionOptions());
  }
  // A message to `session`, which makes it the most recently used.
  static void Use(HttpSession& session) {
    mcp::Incoming note = mcp::ParseMessages(
        R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    session.Post(*note.items.at(0).message);
  }

  mcp::FakeTools tools_;
  std::atomic<int64_t> gauge_{0};
};

TEST_F(SessionTableTest, ANewSessionEvictsTheLeastRecentlyUsedIdleOne) {
  SessionTable table(2, absl::Minutes(30), 10, &gauge_);
  auto a = New("a"), b = New("b");
  std::shared_ptr<HttpSession> evicted;
  ASSERT_TRUE(table.Add(a, &evicted).ok());
  ASSERT_TRUE(table.Add(b, &evicted).ok());
  Use(*a);  // b is now the least recently used.
  ASSERT_TRUE(table.Add(New("c"), &evicted).ok());
  EXPECT_EQ(evicted, b);
  EXPECT_EQ(table.Find("b", "t"), nullptr);
  EXPECT_EQ(table.Find("a", "t"), a);
  EXPECT_EQ(gauge_.load(), 2);
  // Another tenant has a limit of its own.
  evicted = nullptr;
  ASSERT_TRUE(table.Add(New("d", "other"), &evicted).ok());
  EXPECT_EQ(evicted, nullptr);
  EXPECT_EQ(table.Find("d", "t"), nullptr);  // Not another tenant's.
}

TEST_F(SessionTableTest, RefusedOnlyWhenEverySessionIsInUse) {
  SessionTable table(1, absl::Minutes(30), 10, &gauge_);
  auto streaming = New("a");
  std::shared_ptr<HttpSession> evicted;
  ASSERT_TRUE(table.Add(streaming, &evicted).ok());
  ASSERT_TRUE(streaming->OpenStandaloneStream());
  absl::Status refused = table.Add(New("b"), &evicted);
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
  EXPECT_EQ(evicted, nullptr);
  streaming->CloseStandaloneStream();
  EXPECT_TRUE(table.Add(New("c"), &evicted).ok());
  EXPECT_EQ(evicted, streaming);
}

TEST_F(SessionTableTest, SweepExpiresIdleSessionsOnly) {
  SessionTable table(10, absl::Minutes(1), 10, &gauge_);
  auto idle = New("a"), streaming = New("b");
  std::shared_ptr<HttpSession> evicted;
  ASSERT_TRUE(table.Add(idle, &evicted).ok());
  ASSERT_TRUE(table.Add(streaming, &evicted).ok());
  ASSERT_TRUE(streaming->OpenStandaloneStream());
  EXPECT_TRUE(table.Sweep(absl::Now()).empty());
  auto expired = table.Sweep(absl::Now() + absl::Minutes(2));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], idle);
  EXPECT_EQ(gauge_.load(), 1);
  streaming->Close();  // Closed sessions go at the next sweep.
  EXPECT_EQ(table.Sweep(absl::Now()).size(), 1u);
  EXPECT_EQ(table.size(), 0u);
}

TEST_F(SessionTableTest, StreamsAreCountedPerTenant) {
  SessionTable table(10, absl::Minutes(1), 1, &gauge_);
  EXPECT_TRUE(table.OpenStream("t"));
  EXPECT_FALSE(table.OpenStream("t"));
  EXPECT_TRUE(table.OpenStream("other"));
  table.CloseStream("t");
  EXPECT_TRUE(table.OpenStream("t"));
}

}  // namespace
}  // namespace mfgate::transport
