// JSON-RPC batches: served under revision 2025-03-26, refused elsewhere.
#include <string>
#include <vector>

#include "gateway/mcp/session_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

class SessionBatchTest : public SessionTest {
 protected:
  // The first batch (JSON array) the session sent; null if none in 10 s.
  json WaitForBatch() {
    return WaitUntil([](const json& m) { return m.is_array(); });
  }
};

TEST_F(SessionBatchTest, ABatchIsAnsweredAsOneArrayInTheOrderOfItsRequests) {
  Initialize("2025-03-26");
  EXPECT_EQ(session_->BatchRefusal(), std::nullopt);
  session_->HandleText(R"([
      {"jsonrpc":"2.0","id":"slow","method":"tools/call",
       "params":{"name":"echo","arguments":{"x":1}}},
      {"jsonrpc":"2.0","method":"notifications/initialized"},
      {"jsonrpc":"2.0","id":2,"method":"ping"},
      42,
      {"jsonrpc":"2.0","id":3,"method":"completion/complete","params":{}},
      {"jsonrpc":"2.0","id":4,"method":"initialize","params":{}},
      {"jsonrpc":"2.0","id":2,"method":"ping"}])");
  json batch = WaitForBatch();
  ASSERT_TRUE(batch.is_array());
  ASSERT_EQ(batch.size(), 6u) << batch;
  EXPECT_EQ(batch[0]["id"], "slow");
  EXPECT_EQ(batch[0]["result"]["structuredContent"]["x"], 1);
  EXPECT_EQ(batch[1]["result"], json::object());
  EXPECT_TRUE(batch[2]["id"].is_null());
  EXPECT_EQ(batch[2]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(batch[3]["error"]["code"], kInvalidParams);
  EXPECT_EQ(batch[4]["error"]["code"], kInvalidRequest);
  EXPECT_THAT(batch[4]["error"]["message"].get<std::string>(),
              HasSubstr("batch"));
  // The same id twice in one batch: the second cannot be told apart.
  EXPECT_EQ(batch[5]["id"], 2);
  EXPECT_EQ(batch[5]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(Sent().size(), 2u);  // initialize's response and the batch.
}

TEST_F(SessionBatchTest, ABatchOfNotificationsGetsNoAnswer) {
  Initialize("2025-03-26");
  session_->HandleText(R"([{"jsonrpc":"2.0","method":"notifications/x"},
                           {"jsonrpc":"2.0","id":"r","result":{}}])");
  EXPECT_EQ(Sent().size(), 1u);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(unanswered_, std::vector<json>{json::array()});
}

TEST_F(SessionBatchTest, ACancelledRequestIsLeftOutOfItsBatch) {
  Initialize("2025-03-26");
  session_->HandleText(R"([{"jsonrpc":"2.0","id":"w","method":"tools/call",
                            "params":{"name":"wait"}},
                           {"jsonrpc":"2.0","id":"p","method":"ping"}])");
  while (!tools_.started) absl::SleepFor(absl::Milliseconds(1));
  session_->HandleText(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",
          "params":{"requestId":"w"}})");
  json batch = WaitForBatch();
  ASSERT_EQ(batch.size(), 1u) << batch;
  EXPECT_EQ(batch[0]["id"], "p");
}

TEST_F(SessionBatchTest, BatchesAreRefusedWhereTheRevisionHasNone) {
  const std::string batch = R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])";
  session_->HandleText(batch);  // Before initialize.
  Initialize("2025-06-18");
  EXPECT_NE(session_->BatchRefusal(), std::nullopt);
  session_->HandleText(batch);
  std::vector<json> sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  for (const json& refusal : {sent[0], sent[2]}) {
    EXPECT_TRUE(refusal["id"].is_null());
    EXPECT_EQ(refusal["error"]["code"], kInvalidRequest);
    EXPECT_THAT(refusal["error"]["message"].get<std::string>(),
                HasSubstr("2025-03-26"));
  }
}

TEST(BatchIdTest, NamesTheItemsThatGetAResponse) {
  Incoming incoming = ParseMessages(R"([{"jsonrpc":"2.0","id":1,"method":"a"},
      {"jsonrpc":"2.0","method":"n"}, 5,
      {"jsonrpc":"2.0","id":"x","result":{}}])");
  EXPECT_EQ(BatchId(incoming.items), json::parse("[1, null]"));
}

}  // namespace
}  // namespace mfgate::mcp
