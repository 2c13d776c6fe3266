#include "gateway/mcp/params.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

std::string Error(absl::string_view method, const json& params) {
  return std::string(CheckParams(method, params).message());
}

TEST(CheckParamsTest, AcceptsWellTypedParams) {
  EXPECT_TRUE(CheckParams("completion/complete",
                          {{"ref", {{"type", "ref/prompt"}, {"name", "p"}}},
                           {"argument", {{"name", "metric"}, {"value", "t"}}},
                           {"context", {{"arguments", {{"a", "b"}}}}}})
                  .ok());
  EXPECT_TRUE(CheckParams("tools/call", {{"name", "x"},
                                         {"arguments", nullptr},
                                         {"_meta", {{"progressToken", 7}}}})
                  .ok());
  EXPECT_TRUE(CheckParams("ping", nullptr).ok());
  EXPECT_TRUE(CheckParams("tools/list", {{"cursor", nullptr}}).ok());
  EXPECT_TRUE(CheckParams("unknown/method", {{"anything", 1}}).ok());
}

TEST(CheckParamsTest, NamesTheFieldOfTheWrongType) {
  EXPECT_EQ(Error("completion/complete",
                  {{"ref", {{"type", "ref/prompt"}}},
                   {"argument", {{"name", "metric"}, {"value", 5}}}}),
            "\"argument.value\" must be a string");
  EXPECT_EQ(Error("completion/complete", {{"ref", {{"type", "ref/prompt"}}}}),
            "\"argument\" must be an object");
  EXPECT_EQ(Error("prompts/get", {{"name", "p"}, {"arguments", {{"m", 1}}}}),
            "\"arguments.m\" must be a string");
  EXPECT_EQ(Error("prompts/get", {{"name", "p"}, {"arguments", json::array()}}),
            "\"arguments\" must be an object of strings");
  EXPECT_EQ(Error("resources/read", json::object()),
            "\"uri\" must be a string");
  EXPECT_EQ(Error("initialize", {{"clientInfo", {{"version", 2}}}}),
            "\"clientInfo.version\" must be a string");
  EXPECT_EQ(Error("notifications/cancelled", {{"requestId", 1.5}}),
            "\"requestId\" must be a string or an integer");
  EXPECT_EQ(Error("ping", json::array()), "\"params\" must be an object");
}

TEST(CheckParamsTest, ChecksMetaOnEveryMethod) {
  EXPECT_EQ(Error("ping", {{"_meta", 1}}), "\"_meta\" must be an object");
  EXPECT_EQ(Error("anything", {{"_meta", {{"progressToken", {1}}}}}),
            "\"_meta.progressToken\" must be a string or an integer");
  EXPECT_TRUE(CheckParams("ping", {{"_meta", {{"progressToken", "t"}}}}).ok());
}

}  // namespace
}  // namespace mfgate::mcp
