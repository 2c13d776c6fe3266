#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/json_text.h"
#include "gateway/tools/budget.h"
#include "gateway/tools/results.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

// A query's answer of `rows` rows whose cells are drawn from every kind a
// worker sends, with text that needs escaping in JSON and in Markdown.
v1::QueryResponse RandomAnswer(std::mt19937& random, int rows) {
  const char* kTexts[] = {
      "plain",     "a|b", "line\nbreak", "quote \" and \\",  "é ü 日本",
      "tab\there", "",    "\x01control", "\b\f\r\x1f\x7f /", "bad \xff utf-8"};
  v1::QueryResponse answer;
  const int columns = 1 + random() % 4;
  for (int c = 0; c < columns; ++c) {
    v1::Column* column = answer.add_columns();
    column->set_name(absl::StrCat("column_", c, c == 1 ? " | x" : ""));
    column->set_type("STRING");
  }
  for (int r = 0; r < rows; ++r) {
    v1::Row* row = answer.add_rows();
    for (int c = 0; c < columns; ++c) {
      v1::Value* value = row->add_values();
      switch (random() % 6) {
        case 0:
          break;  // NULL
        case 1:
          value->set_int_value(static_cast<int64_t>(random()) - (1 << 30));
          break;
        case 2:
          value->set_double_value(random() / 7.0);
          break;
        case 3:
          value->set_bool_value(random() % 2 == 0);
          break;
        case 4:
          value->set_time_value("2024-01-02T03:04:05");
          break;
        default:
          value->set_string_value(absl::StrCat(kTexts[random() % 10], r));
      }
    }
  }
  answer.set_sql(std::string(random() % 300, 'S'));
  if (random() % 3 == 0) answer.set_dataflow_plan("plan\n  node |x|");
  answer.set_truncated(random() % 4 == 0);
  return answer;
}

// Prepared, a content's pages are the pages Fit makes of it: the same
// JSON, item for item and character for character of what a model reads,
// for any budget and any page.
TEST(PreparedContentTest, PagesAreTheSameAsFitMakes) {
  std::mt19937 random(20261201);
  for (int round = 0; round < 150; ++round) {
    const int rows = random() % 120;
    const v1::QueryResponse answer = RandomAnswer(random, rows);
    const PreparedContent prepared(QueryContent(answer, false));
    ASSERT_EQ(prepared.size(), static_cast<size_t>(rows));
    const long long budget = 400 + random() % 6000;
    size_t offset = rows == 0 ? 0 : random() % rows;
    int pages = 0;
    while (true) {
      SCOPED_TRACE(absl::StrCat("round ", round, " budget ", budget, " offset ",
                                offset));
      // As it is sent: invalid UTF-8 replaced (common/json_text.h).
      const json expected = json::parse(
          JsonText(Fit(QueryContent(answer, false), budget, offset, "tail")));
      size_t shown = 0;
      const mcp::ToolResult page =
          Fit(prepared, budget, offset, "tail", &shown);
      ASSERT_TRUE(page.serialized());
      EXPECT_FALSE(page.is_error());
      const json got = page.ToJson();
      ASSERT_EQ(got, expected);
      const json& data = got["structuredContent"];
      EXPECT_EQ(shown, data["rows"].size());
      EXPECT_EQ(page.rows(), static_cast<long long>(shown));
      // The report counts what a model reads.
      EXPECT_EQ(data["budget"]["used_chars"],
                CountChars(got["content"][0]["text"].get<std::string>()) +
                    CountChars(data.dump()));
      if (!data.contains("next_cursor") || ++pages == 5) break;
      offset += shown;
    }
  }
}

TEST(PreparedContentTest, AnEmptyAnswerAndTheLastPage) {
  v1::QueryResponse empty;
  empty.add_columns()->set_name("x");
  const PreparedContent none(QueryContent(empty, false));
  EXPECT_EQ(Fit(none, 2000, 0, "t").ToJson(),
            Fit(QueryContent(empty, false), 2000, 0, "t"));
  EXPECT_EQ(Fit(none, 2000, 0, "t").rows(), 0);
  // An offset past the end gives an empty page, as Fit does.
  std::mt19937 random(7);
  const v1::QueryResponse answer = RandomAnswer(random, 10);
  EXPECT_EQ(
      Fit(PreparedContent(QueryContent(answer, false)), 9000, 50, "t").ToJson(),
      Fit(QueryContent(answer, false), 9000, 50, "t"));
}

TEST(PreparedContentTest, SaysWhatItHolds) {
  std::mt19937 random(3);
  const PreparedContent small(QueryContent(RandomAnswer(random, 10), false));
  const PreparedContent large(QueryContent(RandomAnswer(random, 10000), false));
  EXPECT_GT(large.bytes(), small.bytes());
  EXPECT_GT(large.bytes(), 10000u * 8);
}

}  // namespace
}  // namespace mfgate::tools
