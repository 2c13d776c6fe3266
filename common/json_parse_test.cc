#include "common/json_parse.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

using ::testing::HasSubstr;

constexpr JsonLimits kLimits{1 << 20, kMaxJsonDepth};

std::string Nested(int depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST(ParseJsonTest, ParsesValues) {
  auto value = ParseJson(R"({"a":[1,2.5,"x",true,null,{"b":{}}]})", kLimits);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)["a"][1], 2.5);
  EXPECT_EQ((*value)["a"][5]["b"], nlohmann::json::object());
}

TEST(ParseJsonTest, AcceptsTheMaximumDepthAndRefusesOneMore) {
  auto deepest = ParseJson(Nested(kMaxJsonDepth, "1"), kLimits);
  ASSERT_TRUE(deepest.ok()) << deepest.status();
  auto deeper = ParseJson(Nested(kMaxJsonDepth + 1, "1"), kLimits);
  EXPECT_EQ(deeper.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(deeper.status().message(), HasSubstr("deeper than 64"));
  // Objects count as arrays do.
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_EQ(ParseJson(objects, kLimits).status().code(),
            absl::StatusCode::kResourceExhausted);
}

// 100,000 levels: building, copying or destroying such a tree recursively
// overflows the stack. The parse stops at level 65 instead.
TEST(ParseJsonTest, RefusesVeryDeepTextWithoutBuildingIt) {
  std::string deep = "{\"x\":" + Nested(100000) + "}";
  EXPECT_EQ(ParseJson(deep, kLimits).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Unbalanced too: the parser never reaches the end.
  EXPECT_EQ(ParseJson(std::string(1000000, '['), kLimits).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ParseJsonTest, NumbersOutOfRangeAreRefusedNotThrown) {
  for (const char* text : {"1e400", "[-1e400]", R"({"id":1E+999})"}) {
    size_t byte = 0;
    auto value = ParseJson(text, kLimits, &byte);
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(value.status().message(), HasSubstr("number out of range"));
    EXPECT_EQ(byte, std::string(text).find_first_of("-1") + 1) << text;
  }
  // Integers beyond 64 bits become doubles; that is not an error.
  auto big = ParseJson("123456789012345678901234567890", kLimits);
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->is_number_float());
}

TEST(ParseJsonTest, SyntaxErrorsNameTheByte) {
  size_t byte = 0;
  auto value = ParseJson(R"({"a":)", kLimits, &byte);
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(value.status().message(), HasSubstr("invalid JSON at byte"));
  EXPECT_EQ(byte, 6u);
  for (const char* text :
       {"", " ", "{", "[1,]", "{\"a\" 1}", "tru", "\"\xff\"", "1 2", "nul",
        "\"\\ud800\"", "01", "{\"a\":1}}", "\"a\x01\""}) {
    EXPECT_EQ(ParseJson(text, kLimits).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(ParseJsonTest, RefusesTextOverTheSizeLimitBeforeParsing) {
  auto value = ParseJson("[1, 2, 3]", JsonLimits{8, kMaxJsonDepth});
  EXPECT_EQ(value.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(value.status().message(), HasSubstr("9 bytes"));
  EXPECT_TRUE(ParseJson("[1,2,3]", JsonLimits{7, kMaxJsonDepth}).ok());
}

}  // namespace
}  // namespace mfgate
