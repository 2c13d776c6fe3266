#include "gateway/tools/budget.h"

#include "common/field_error.h"
#include "gateway/tools/cursor.h"
#include "gateway/tools/refusal.h"
#include "gateway/tools/results.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

v1::QueryResponse Rows(int count) {
  v1::QueryResponse response;
  auto* c1 = response.add_columns();
  c1->set_name("country");
  c1->set_type("STRING");
  auto* c2 = response.add_columns();
  c2->set_name("revenue");
  c2->set_type("NUMBER");
  for (int i = 0; i < count; ++i) {
    auto* row = response.add_rows();
    row->add_values()->set_string_value(
        i == 0 ? "a|b" : "country " + std::to_string(i));
    if (i == 1) {
      row->add_values();  // NULL
    } else {
      row->add_values()->set_double_value(3029.4600000000005);
    }
  }
  response.set_sql(std::string(600, 'S'));
  return response;
}

// What a model meets: the text and structuredContent as JSON.
size_t Chars(const json& result) {
  return CountChars(result["content"][0]["text"].get<std::string>()) +
         CountChars(result["structuredContent"].dump());
}

std::string Text(const json& result) {
  return result["content"][0]["text"].get<std::string>();
}

TEST(BudgetTest, ASmallResultIsWholeAndSaysWhatItCosts) {
  json result = Fit(QueryContent(Rows(2), false), 16000, 0, "f");
  EXPECT_EQ(result["isError"], false);
  const json& data = result["structuredContent"];
  EXPECT_EQ(data["columns"][1]["name"], "revenue");
  EXPECT_EQ(data["rows"][0][0], "a|b");
  EXPECT_DOUBLE_EQ(data["rows"][0][1].get<double>(), 3029.4600000000005);
  EXPECT_TRUE(data["rows"][1][1].is_null());
  EXPECT_EQ(data["row_count"], 2);
  EXPECT_EQ(data["total"], 2);
  EXPECT_EQ(data["truncated"], false);
  EXPECT_FALSE(data.contains("next_cursor"));
  EXPECT_EQ(data["sql"], std::string(600, 'S'));
  EXPECT_THAT(Text(result), HasSubstr("| country | revenue |"));
  EXPECT_THAT(Text(result), HasSubstr("| a\\|b | 3029.46 |"));
  EXPECT_THAT(Text(result), HasSubstr("| country 1 | NULL |"));
  // The report is exact, in characters and approximate tokens.
  EXPECT_EQ(data["budget"]["max_chars"], 16000);
  EXPECT_EQ(data["budget"]["used_chars"], Chars(result));
  EXPECT_EQ(data["budget"]["approx_tokens"], (Chars(result) + 3) / 4);
  EXPECT_THAT(Text(result),
              HasSubstr(absl::StrCat(Chars(result), " of 16,000 characters")));
}

TEST(BudgetTest, RowsBeyondTheBudgetArePagedWithACursor) {
  const Content content = QueryContent(Rows(500), false);
  json first = Fit(content, 4000, 0, "f00d");
  const json& data = first["structuredContent"];
  EXPECT_LE(Chars(first), 4000u);
  EXPECT_EQ(data["truncated"], true);
  EXPECT_EQ(data["total"], 500);
  const size_t shown = data["rows"].size();
  EXPECT_GT(shown, 20u);
  EXPECT_LT(shown, 500u);
  EXPECT_EQ(data["row_count"], shown);
  EXPECT_EQ(data["next_cursor"], absl::StrCat(shown, ".f00d"));
  EXPECT_THAT(data["hint"].get<std::string>(), HasSubstr("coarser grain"));
  // The SQL went first, and the note says so.
  EXPECT_FALSE(data.contains("sql"));
  EXPECT_THAT(data["note"].get<std::string>(), HasSubstr("sql left out"));
  EXPECT_THAT(Text(first),
              HasSubstr(absl::StrCat("rows 1-", shown, " of 500")));
  EXPECT_THAT(Text(first),
              HasSubstr("cursor \"" + data["next_cursor"].get<std::string>()));
  // Every row of the page is in the table: it fits.
  EXPECT_THAT(Text(first),
              HasSubstr(absl::StrCat("| country ", shown - 1, " | 3029.46 |")));
  EXPECT_THAT(Text(first),
              Not(HasSubstr(absl::StrCat("| country ", shown, " |"))));
  // Page after page, every row comes exactly once.
  size_t seen = shown, pages = 1;
  json page = first;
  while (page["structuredContent"].contains("next_cursor")) {
    auto cursor =
        ParseCursor("cursor", page["structuredContent"]["next_cursor"], "f00d");
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    ASSERT_EQ(cursor->offset, seen);
    page = Fit(content, 4000, cursor->offset, "f00d");
    EXPECT_LE(Chars(page), 4000u);
    EXPECT_EQ(page["structuredContent"]["offset"], seen);
    EXPECT_EQ(page["structuredContent"]["rows"][0][0],
              absl::StrCat("country ", seen));
    seen += page["structuredContent"]["rows"].size();
    ASSERT_LT(++pages, 100u);
  }
  EXPECT_EQ(seen, 500u);
  EXPECT_EQ(page["structuredContent"]["truncated"], false);
}

TEST(BudgetTest, CompiledSqlKeepsItsSql) {
  json result = Fit(QueryContent(Rows(0), true), 500, 0, "f");
  EXPECT_EQ(result["structuredContent"]["sql"], std::string(600, 'S'));
  EXPECT_THAT(Text(result), HasSubstr("```sql\nSSS"));
}

TEST(BudgetTest, ListingsDropTheLeastUsefulFieldsFirst) {
  v1::ListMetricsResponse metrics;
  for (int i = 0; i < 40; ++i) {
    v1::Metric* m = metrics.add_metrics();
    m->set_name(absl::StrCat("metric_", i));
    m->set_type("SIMPLE");
    m->set_label(absl::StrCat("Metric ", i));
    m->set_description(std::string(200, 'd'));
    m->add_dimensions("metric_time");
  }
  const Content content = ListMetricsContent(metrics);
  json whole = Fit(content, 100000, 0, "f");
  EXPECT_EQ(whole["structuredContent"]["metrics"][0]["description"],
            std::string(200, 'd'));
  EXPECT_FALSE(whole["structuredContent"].contains("note"));
  json fitted = Fit(content, 7000, 0, "f");
  const json& data = fitted["structuredContent"];
  EXPECT_LE(Chars(fitted), 7000u);
  EXPECT_EQ(data["metrics"].size(), 40u);  // All of them, with less said.
  EXPECT_FALSE(data["metrics"][0].contains("description"));
  EXPECT_EQ(data["metrics"][0]["label"], "Metric 0");
  EXPECT_EQ(data["metrics"][0]["name"], "metric_0");
  EXPECT_THAT(data["note"].get<std::string>(),
              HasSubstr("description left out"));
  EXPECT_THAT(Text(fitted), HasSubstr("Note: description left out"));
  EXPECT_THAT(Text(fitted), Not(HasSubstr("ddd")));
  json tight = Fit(content, 1500, 0, "f");
  EXPECT_LE(Chars(tight), 1500u);
  EXPECT_LT(tight["structuredContent"]["metrics"].size(), 40u);
  EXPECT_EQ(tight["structuredContent"]["truncated"], true);
  EXPECT_FALSE(tight["structuredContent"]["metrics"][0].contains("label"));
}

TEST(BudgetTest, APageHoldsAtLeastOneItem) {
  v1::ListDimensionValuesResponse values;
  values.set_dimension("d");
  values.add_values()->set_string_value(std::string(3000, 'v'));
  values.add_values()->set_string_value("w");
  json result = Fit(ListDimensionValuesContent(values), 1000, 0, "f");
  EXPECT_EQ(result["structuredContent"]["values"].size(), 1u);
  EXPECT_EQ(result["structuredContent"]["next_cursor"], "1.f");
}

TEST(BudgetTest, WorkerTruncationIsSaidWithAHint) {
  v1::ListDimensionValuesResponse values;
  values.set_dimension("d");
  values.add_values()->set_string_value("a");
  values.set_truncated(true);
  json result = Fit(ListDimensionValuesContent(values), 16000, 0, "f");
  EXPECT_EQ(result["structuredContent"]["truncated"], true);
  EXPECT_FALSE(result["structuredContent"].contains("next_cursor"));
  EXPECT_THAT(result["structuredContent"]["hint"].get<std::string>(),
              HasSubstr("raise limit"));
}

TEST(BudgetTest, CursorsBelongToTheirCall) {
  const std::string f1 = Fingerprint("query", {{"metrics", {"a"}}});
  EXPECT_EQ(f1, Fingerprint("query", {{"metrics", {"a"}},
                                      {"cursor", "9.x"},
                                      {"max_response_chars", 900}}));
  EXPECT_NE(f1, Fingerprint("query", {{"metrics", {"b"}}}));
  EXPECT_NE(f1, Fingerprint("compile_sql", {{"metrics", {"a"}}}));
  EXPECT_EQ(ParseCursor("cursor", "40." + f1, f1)->offset, 40u);
  EXPECT_EQ(ParseCursor("cursor", "40." + f1, f1)->result, "");
  // A kept result's id: hex digits, at most 32.
  EXPECT_EQ(ParseCursor("cursor", "40." + f1 + ".00ff", f1)->result, "00ff");
  EXPECT_FALSE(ParseCursor("cursor", "40." + f1 + ".xyz", f1).ok());
  EXPECT_FALSE(
      ParseCursor("cursor", "40." + f1 + "." + std::string(33, 'a'), f1).ok());
  EXPECT_FALSE(ParseCursor("cursor", "40." + f1 + ".", f1).ok());
  EXPECT_FALSE(ParseCursor("cursor", "40." + f1 + ".a.b", f1).ok());
  auto other = ParseCursor("cursor", "40.deadbeef", f1);
  EXPECT_EQ(ErrorField(other.status()), "cursor");
  EXPECT_THAT(other.status().message(), HasSubstr("other arguments"));
  ASSERT_TRUE(FixOf(other.status()).has_value());
  EXPECT_EQ(FixOf(other.status())->drop, std::vector<std::string>{"cursor"});
  EXPECT_FALSE(ParseCursor("cursor", "x", f1).ok());
  EXPECT_FALSE(ParseCursor("cursor", "-1." + f1, f1).ok());
}

TEST(ResultsTest, ErrorsCarryFieldSuggestionsAndTheExample) {
  json result =
      ErrorResult(NotFoundFieldError("metrics", "unknown metric 'transaction'",
                                     {"transactions", "tx"}),
                  {{"metrics", {"transactions"}}}, "query_metrics");
  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(result.contains("structuredContent"));
  std::string text = Text(result);
  EXPECT_THAT(text, HasSubstr("metrics: unknown metric"));
  EXPECT_THAT(text, HasSubstr("Did you mean: transactions, tx?"));
  EXPECT_THAT(
      text,
      HasSubstr("Example (query_metrics): {\"metrics\":[\"transactions\"]}"));
  EXPECT_THAT(Text(ErrorResult(absl::UnavailableError("socket closed"))),
              HasSubstr("unavailable"));
}

TEST(ResultsTest, ValueKinds) {
  v1::Value v;
  EXPECT_TRUE(ValueToJson(v).is_null());
  v.set_bool_value(true);
  EXPECT_EQ(ValueToJson(v), true);
  v.set_int_value(7);
  EXPECT_EQ(ValueToJson(v), 7);
  v.set_time_value("2022-03-07T00:00:00");
  EXPECT_EQ(ValueToJson(v), "2022-03-07T00:00:00");
}

TEST(ResultsTest, HealthChecksRead) {
  v1::HealthChecksResponse health;
  auto* check = health.add_checks();
  check->set_name("SELECT 1");
  check->set_ok(true);
  EXPECT_THAT(Text(Fit(HealthChecksContent(health), 16000, 0, "f")),
              HasSubstr("OK   SELECT 1"));
}

}  // namespace
}  // namespace mfgate::tools
