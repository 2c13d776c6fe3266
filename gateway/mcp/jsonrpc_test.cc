#include "gateway/mcp/jsonrpc.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using ::testing::HasSubstr;

// The one item of a text that is not a batch.
Parsed Single(absl::string_view text) {
  Incoming incoming = ParseMessages(text);
  EXPECT_FALSE(incoming.batch) << text;
  EXPECT_EQ(incoming.items.size(), 1u) << text;
  return incoming.items.at(0);
}

int ErrorCodeOf(const Parsed& parsed) {
  return parsed.error_response.value()["error"]["code"].get<int>();
}

std::string ErrorMessageOf(const Parsed& parsed) {
  return parsed.error_response.value()["error"]["message"].get<std::string>();
}

TEST(JsonRpcTest, ParsesRequestsNotificationsAndResponses) {
  Parsed request = Single(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  ASSERT_TRUE(request.message.has_value());
  EXPECT_EQ(request.message->kind, Message::Kind::kRequest);
  EXPECT_EQ(request.message->id, 7);
  Parsed note =
      Single(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(note.message->kind, Message::Kind::kNotification);
  Parsed response = Single(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  EXPECT_EQ(response.message->kind, Message::Kind::kResponse);
}

TEST(JsonRpcTest, MalformedJsonIsAParseErrorWithNullId) {
  Parsed parsed = Single(R"({"jsonrpc":"2.0","id":1,"method":)");
  ASSERT_TRUE(parsed.error_response.has_value());
  EXPECT_EQ(ErrorCodeOf(parsed), kParseError);
  EXPECT_TRUE((*parsed.error_response)["id"].is_null());
  EXPECT_THAT(ErrorMessageOf(parsed), HasSubstr("byte"));
}

TEST(JsonRpcTest, InvalidRequests) {
  EXPECT_EQ(ErrorCodeOf(Single(R"({"jsonrpc":"1.0","id":1,"method":"x"})")),
            kInvalidRequest);
  EXPECT_EQ(
      ErrorCodeOf(Single(R"({"jsonrpc":"2.0","id":{"a":1},"method":"x"})")),
      kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(Single(R"({"jsonrpc":"2.0","id":1.5,"method":"x"})")),
            kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(Single(R"({"jsonrpc":"2.0","id":1,"method":3})")),
            kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(Single(R"({"jsonrpc":"2.0","id":1})")),
            kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(Single(R"("hello")")), kInvalidRequest);
  EXPECT_EQ(ErrorCodeOf(
                Single(R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})")),
            kInvalidParams);
}

TEST(JsonRpcTest, InvalidRequestKeepsAReadableId) {
  Parsed parsed = Single(R"({"jsonrpc":"1.0","id":"abc","method":"x"})");
  EXPECT_EQ((*parsed.error_response)["id"], "abc");
}

// A number that overflows a double threw out of the parser and aborted the
// gateway, as an id or anywhere in params.
TEST(JsonRpcTest, NumberOverflowIsAParseError) {
  for (
      const char* text :
      {R"({"jsonrpc":"2.0","id":1e400,"method":"ping"})",
       R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":[-1e400]}})"}) {
    Parsed parsed = Single(text);
    EXPECT_EQ(ErrorCodeOf(parsed), kParseError) << text;
    EXPECT_TRUE((*parsed.error_response)["id"].is_null());
    EXPECT_THAT(ErrorMessageOf(parsed), HasSubstr("number out of range"));
  }
}

// 100,000 nested arrays crashed the gateway (the parsed tree was copied
// recursively); the parse now stops at level 65.
TEST(JsonRpcTest, DeepNestingIsRefused) {
  const std::string head = R"({"jsonrpc":"2.0","id":1,"method":"ping",)";
  std::string deep = head + R"("params":{"x":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}}";
  Parsed parsed = Single(deep);
  EXPECT_EQ(ErrorCodeOf(parsed), kInvalidRequest);
  EXPECT_THAT(ErrorMessageOf(parsed), HasSubstr("deeper than 64"));
  // The message object and params are two of the 64 levels.
  std::string deepest = head + R"("params":{"x":)" + std::string(62, '[') +
                        std::string(62, ']') + "}}";
  EXPECT_TRUE(Single(deepest).message.has_value());
  std::string deeper = head + R"("params":{"x":)" + std::string(63, '[') +
                       std::string(63, ']') + "}}";
  EXPECT_EQ(ErrorCodeOf(Single(deeper)), kInvalidRequest);
}

TEST(JsonRpcTest, TextOverTheSizeLimitIsRefused) {
  const std::string text = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  Incoming incoming = ParseMessages(text, text.size() - 1);
  EXPECT_EQ(ErrorCodeOf(incoming.items.at(0)), kInvalidRequest);
  EXPECT_THAT(ErrorMessageOf(incoming.items.at(0)), HasSubstr("exceeds"));
  EXPECT_TRUE(ParseMessages(text, text.size()).items.at(0).message);
}

TEST(JsonRpcTest, BatchesAreParsedElementByElement) {
  Incoming incoming = ParseMessages(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"}, 7,
          {"jsonrpc":"2.0","method":"notifications/x"},
          {"jsonrpc":"2.0","id":"r","result":{}}])");
  ASSERT_TRUE(incoming.batch);
  ASSERT_EQ(incoming.items.size(), 4u);
  EXPECT_EQ(incoming.items[0].message->kind, Message::Kind::kRequest);
  EXPECT_EQ(ErrorCodeOf(incoming.items[1]), kInvalidRequest);
  EXPECT_EQ(incoming.items[2].message->kind, Message::Kind::kNotification);
  EXPECT_EQ(incoming.items[3].message->kind, Message::Kind::kResponse);
}

TEST(JsonRpcTest, EmptyAndOversizedBatchesAreOneError) {
  EXPECT_EQ(ErrorCodeOf(Single("[]")), kInvalidRequest);
  std::string big = "[";
  for (size_t i = 0; i <= kMaxBatchMessages; ++i) {
    if (i > 0) big += ",";
    big += R"({"jsonrpc":"2.0","method":"n"})";
  }
  big += "]";
  Parsed parsed = Single(big);
  EXPECT_EQ(ErrorCodeOf(parsed), kInvalidRequest);
  EXPECT_THAT(ErrorMessageOf(parsed), HasSubstr("limit 64"));
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
