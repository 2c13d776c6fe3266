#include "gateway/mcp/tool_result.h"

#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

TEST(ToolResultTest, JsonResultIsSerializedWhenAppended) {
  ToolResult result = json{{"content", json::array()}, {"isError", true}};
  EXPECT_FALSE(result.serialized());
  EXPECT_TRUE(result.is_error());
  ASSERT_NE(result.value(), nullptr);
  std::string out = "x";
  result.AppendTo(&out);
  EXPECT_EQ(out, R"(x{"content":[],"isError":true})");
}

TEST(ToolResultTest, SerializedResultIsAppendedAsIsAndShared) {
  auto text = std::make_shared<const std::string>(
      R"({"content":[{"text":"é","type":"text"}]})");
  ToolResult result = ToolResult::Serialized(text, false);
  ToolResult copy = result;
  EXPECT_TRUE(copy.serialized());
  EXPECT_FALSE(copy.is_error());
  EXPECT_EQ(copy.value(), nullptr);
  EXPECT_EQ(copy.ToJson()["content"][0]["text"], "é");
  std::string out;
  copy.AppendTo(&out);
  EXPECT_EQ(out, *text);
  EXPECT_EQ(text.use_count(), 3);  // `text`, `result` and `copy` share it.
}

TEST(ToolResultTest, InvalidUtf8IsReplacedNotThrown) {
  ToolResult result = json{{"text", std::string("\xff")}};
  std::string out;
  result.AppendTo(&out);
  EXPECT_EQ(out, "{\"text\":\"\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace mfgate::mcp
