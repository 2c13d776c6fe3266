#include "gateway/tools/results.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

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
    row->add_values()->set_string_value(i == 0 ? "a|b" : "x");
    if (i == 1) {
      row->add_values();  // NULL
    } else {
      row->add_values()->set_double_value(3029.4600000000005);
    }
  }
  response.set_sql("SELECT 1");
  return response;
}

TEST(ResultsTest, QueryRowsAreTypedJsonAndATable) {
  json result = QueryResult(Rows(2), false);
  EXPECT_EQ(result["isError"], false);
  const json& data = result["structuredContent"];
  EXPECT_EQ(data["columns"][1]["name"], "revenue");
  EXPECT_EQ(data["rows"][0][0], "a|b");
  EXPECT_DOUBLE_EQ(data["rows"][0][1].get<double>(), 3029.4600000000005);
  EXPECT_TRUE(data["rows"][1][1].is_null());
  EXPECT_EQ(data["row_count"], 2);
  EXPECT_EQ(data["sql"], "SELECT 1");
  std::string text = result["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("| country | revenue |"));
  EXPECT_THAT(text, HasSubstr("| a\\|b | 3029.46 |"));
  EXPECT_THAT(text, HasSubstr("| x | NULL |"));
}

TEST(ResultsTest, LongResultsAreShortenedInTextOnly) {
  json result = QueryResult(Rows(kTableRows + 5), false);
  EXPECT_EQ(result["structuredContent"]["rows"].size(),
            static_cast<size_t>(kTableRows + 5));
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("... 5 more rows"));
}

TEST(ResultsTest, SqlOnlyShowsTheSql) {
  json result = QueryResult(Rows(0), true);
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("```sql\nSELECT 1"));
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

TEST(ResultsTest, ErrorsCarryFieldAndSuggestions) {
  json result = ErrorResult(NotFoundFieldError(
      "metrics", "unknown metric 'transaction'", {"transactions", "tx"}));
  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(result.contains("structuredContent"));
  std::string text = result["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("metrics: unknown metric"));
  EXPECT_THAT(text, HasSubstr("Did you mean: transactions, tx?"));
  EXPECT_THAT(
      ErrorResult(absl::UnavailableError("socket closed"))["content"][0]["text"]
          .get<std::string>(),
      HasSubstr("unavailable"));
}

TEST(ResultsTest, ListingsMatchTheirSchemas) {
  v1::ListMetricsResponse metrics;
  metrics.add_metrics()->set_name("revenue");
  EXPECT_EQ(
      ListMetricsResult(metrics)["structuredContent"]["metrics"][0]["name"],
      "revenue");
  v1::HealthChecksResponse health;
  auto* check = health.add_checks();
  check->set_name("SELECT 1");
  check->set_ok(true);
  EXPECT_THAT(
      HealthChecksResult(health)["content"][0]["text"].get<std::string>(),
      HasSubstr("OK   SELECT 1"));
}

}  // namespace
}  // namespace mfgate::tools
