#include "gateway/mcp/jsonrpc.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using ::testing::HasSubstr;

int ErrorCodeOf(const Parsed& parsed) {
  return parsed.error_response.value()["error"]["code"].get<int>();
}

TEST(JsonRpcTest, ParsesRequestsNotificationsAndResponses) {
  Parsed request = ParseMessage(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  ASSERT_TRUE(request.message.has_value());
  EXPECT_EQ(request.message->kind, Message::Kind::kRequest);
  EXPECT_EQ(request.message->id, 7);
  Parsed note =
      ParseMessage(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(note.message->kind, Message::Kind::kNotification);
  Parsed response = ParseMessage(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  EXPECT_EQ(response.message->kind, Message::Kind::kResponse);
}

TEST(JsonRpcTest, MalformedJsonIsAParseErrorWithNullId) {
  Parsed parsed = ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":)");
  ASSERT_TRUE(parsed.error_response.has_value());
  EXPECT_EQ(ErrorCodeOf(parsed), kParseError);
  EXPECT_TRUE((*parsed.error_response)["id"].is_null());
  EXPECT_THAT((*parsed.error_response)["error"]["message"].get<std::string>(),
              HasSubstr("byte"));
}

TEST(JsonRpcTest, InvalidRequests) {
  EXPECT_EQ(
      ErrorCodeOf(ParseMessage(R"({"jsonrpc":"1.0","id":1,"method":"x"})")),
      kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(
                ParseMessage(R"({"jsonrpc":"2.0","id":{"a":1},"method":"x"})")),
            kInvalidRequest);
  EXPECT_EQ(
      ErrorCodeOf(ParseMessage(R"({"jsonrpc":"2.0","id":1.5,"method":"x"})")),
      kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":3})")),
            kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(ParseMessage(R"({"jsonrpc":"2.0","id":1})")),
            kInvalidRequest);
  EXPECT_EQ(
      ErrorCodeOf(ParseMessage(R"([{"jsonrpc":"2.0","id":1,"method":"x"}])")),
      kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(ParseMessage(R"("hello")")), kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(ParseMessage(
                R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})")),
            kInvalidParams);
}

TEST(JsonRpcTest, InvalidRequestKeepsAReadableId) {
  Parsed parsed = ParseMessage(R"({"jsonrpc":"1.0","id":"abc","method":"x"})");
  EXPECT_EQ((*parsed.error_response)["id"], "abc");
}

TEST(JsonRpcTest, BuildsMessages) {
  EXPECT_EQ(MakeResult(1, {{"a", 1}}).dump(),
            R"({"id":1,"jsonrpc":"2.0","result":{"a":1}})");
  EXPECT_EQ(MakeError("x", kMethodNotFound, "nope")["error"]["code"],
            kMethodNotFound);
  EXPECT_FALSE(MakeNotification("n", nullptr).contains("params"));
  EXPECT_NE(IdKey(1), IdKey("1"));
}

}  // namespace
}  // namespace mfgate::mcp
