#include "gateway/tools/kept_answers.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

nlohmann::json Listing(size_t chars) {
  return {{"content", {{{"type", "text"}, {"text", std::string(chars, 'm')}}}},
          {"isError", false}};
}

TEST(KeptAnswersTest, AResultIsKeptSerializedUnderItsKey) {
  KeptAnswers kept;
  const mcp::ToolResult result = kept.Keep("k", "sha", Listing(10));
  EXPECT_TRUE(result.serialized());
  auto found = kept.Find("k");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->manifest, "sha");
  EXPECT_EQ(found->result.ToJson(), Listing(10));
  EXPECT_EQ(kept.Find("other"), nullptr);
}

// A caller varying only its budget makes a new result each time: what is
// kept stays within its bytes, whatever the count.
TEST(KeptAnswersTest, BytesAreBounded) {
  KeptAnswers kept(1024, 1 << 20);
  for (int i = 0; i < 200; ++i) {
    kept.Keep(absl::StrCat("listing:", i), "sha", Listing(100000));
    ASSERT_LE(kept.bytes(), 1u << 20) << i;
  }
  EXPECT_NE(kept.Find("listing:199"), nullptr);
  // Kept again under its key, a result replaces itself.
  const size_t bytes = kept.bytes();
  kept.Keep("listing:199", "sha", Listing(100000));
  EXPECT_EQ(kept.bytes(), bytes);
  // One over a quarter of the bound is served, not kept.
  const mcp::ToolResult large = kept.Keep("large", "sha", Listing(300000));
  EXPECT_TRUE(large.serialized());
  EXPECT_EQ(kept.Find("large"), nullptr);
}

TEST(KeptAnswersTest, EntriesAreBounded) {
  KeptAnswers kept(4, 1 << 20);
  for (int i = 0; i < 10; ++i) kept.Keep(absl::StrCat(i), "sha", Listing(1));
  EXPECT_NE(kept.Find("9"), nullptr);
  EXPECT_EQ(kept.Find("0"), nullptr);
}

}  // namespace
}  // namespace mfgate::tools
