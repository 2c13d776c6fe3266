#include "worker/engine/cli_output.h"

#include "gtest/gtest.h"

namespace mfgate::engine {
namespace {

TEST(CliOutputTest, BulletsWithAndWithoutDetail) {
  auto items = ParseBullets(
      "spinner noise\n"
      "The list below shows metrics\n"
      "\xE2\x80\xA2 alterations: customer__ds, metric_time\n"
      "\xE2\x80\xA2 country\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].first, "alterations");
  EXPECT_EQ(items[0].second, "customer__ds, metric_time");
  EXPECT_EQ(items[1].first, "country");
  EXPECT_EQ(items[1].second, "");
}

TEST(CliOutputTest, ExplainSql) {
  EXPECT_EQ(ParseExplainSql("ok\n\xF0\x9F\x94\x8E SQL (remove --explain):\n\n"
                            "SELECT 1\nFROM t\n"),
            "SELECT 1\nFROM t");
  EXPECT_EQ(ParseExplainSql("no heading"), "");
}

TEST(CliOutputTest, CsvTypesAndNulls) {
  auto result = ParseCsvResult(
      "metric_time__day,transactions,country,share\r\n"
      "2022-03-07,3,\"US, east\",0.5\r\n"
      "2022-03-08,,\"say \"\"hi\"\"\",1\r\n");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->columns_size(), 4);
  EXPECT_EQ(result->columns(0).type(), "STRING");
  EXPECT_EQ(result->columns(1).type(), "INTEGER");
  EXPECT_EQ(result->columns(3).type(), "NUMBER");
  ASSERT_EQ(result->rows_size(), 2);
  EXPECT_EQ(result->rows(0).values(1).int_value(), 3);
  EXPECT_EQ(result->rows(0).values(2).string_value(), "US, east");
  EXPECT_EQ(result->rows(1).values(1).kind_case(), v1::Value::KIND_NOT_SET);
  EXPECT_EQ(result->rows(1).values(2).string_value(), "say \"hi\"");
  EXPECT_DOUBLE_EQ(result->rows(1).values(3).double_value(), 1.0);
}

TEST(CliOutputTest, MalformedCsvIsAnError) {
  EXPECT_FALSE(ParseCsvResult("a,b\n\"open").ok());
  EXPECT_FALSE(ParseCsvResult("a,b\n1\n").ok());
}

}  // namespace
}  // namespace mfgate::engine
