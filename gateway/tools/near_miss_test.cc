#include "gateway/tools/near_miss.h"

#include "gateway/tools/where_repair.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

std::string Meant(const std::string& tool, const std::string& written) {
  const ArgSpec* arg = NearMissArg(*FindTool(tool), written);
  return arg == nullptr ? "none" : arg->name;
}

TEST(NearMissTest, ArgumentsByHabitThenBySpelling) {
  EXPECT_EQ(Meant("query", "groupBy"), "group_by");
  EXPECT_EQ(Meant("query", "dimensions"), "group_by");
  EXPECT_EQ(Meant("list_dimension_values", "dimensions"), "dimension");
  EXPECT_EQ(Meant("query", "filter"), "where");
  EXPECT_EQ(Meant("list_metrics", "filter"), "search");
  EXPECT_EQ(Meant("query", "sort_by"), "order");
  EXPECT_EQ(Meant("query", "metric"), "metrics");
  EXPECT_EQ(Meant("query", "start_date"), "start_time");
  EXPECT_EQ(Meant("query", "startTime"), "start_time");
  EXPECT_EQ(Meant("query", "metircs"), "metrics");
  EXPECT_EQ(Meant("query", "orderby"), "order");
  EXPECT_EQ(Meant("query", "colour"), "none");
  EXPECT_EQ(Meant("health_checks", "filter"), "none");
}

TEST(NearMissTest, ClosestName) {
  std::vector<std::string> names = {"transactions", "transaction_amount",
                                    "new_customers"};
  EXPECT_EQ(Closest("transaction", names), "transactions");
  EXPECT_EQ(Closest("NEW_CUSTOMER", names), "new_customers");
  EXPECT_EQ(Closest("customer_country",
                    {"customer", "customer__country",
                     "customer__customer_country", "metric_time"}),
            "customer__customer_country");
  EXPECT_EQ(Closest("customer__country",
                    {"customer__ds", "customer__customer_country",
                     "customer__country__region"}),
            "customer__country__region");  // A dimension of that entity.
  EXPECT_EQ(Closest("x", {}), "");
}

TEST(WhereRepairTest, BareNamesBecomeReferences) {
  const std::vector<std::string> dims = {
      "customer__customer_country", "transaction__is_large", "metric_time"};
  EXPECT_EQ(RepairWhere("customer__customer_country = 'US'", dims),
            "{{ Dimension('customer__customer_country') }} = 'US'");
  EXPECT_EQ(RepairWhere("customer_country IN ('US', 'is_large') AND "
                        "metric_time >= DATE '2022-01-01'",
                        dims),
            "{{ Dimension('customer__customer_country') }} IN ('US', "
            "'is_large') AND {{ TimeDimension('metric_time', 'day') }} >= "
            "DATE '2022-01-01'");
  EXPECT_EQ(RepairWhere("metric_time__month < '2022-03-01'", dims),
            "{{ TimeDimension('metric_time', 'month') }} < '2022-03-01'");
  EXPECT_EQ(RepairWhere("Dimension('transaction__is_large') AND "
                        "lower(x__y) = 'a'",
                        dims),
            "{{ Dimension('transaction__is_large') }} AND "
            "lower({{ Dimension('x__y') }}) = 'a'");
  const std::string fine =
      "{{ Dimension('customer__customer_country') }} = 'x'";
  EXPECT_EQ(RepairWhere(fine, dims), fine);
}

TEST(WhereRepairTest, SuggestionReplacesTheClosestReference) {
  EXPECT_EQ(ApplyWhereSuggestion(
                "{{ Dimension('customer__country') }} = 'US' AND "
                "{{ TimeDimension('metric_time', 'day') }} > '2022-01-01'",
                "Dimension('customer__customer_country')"),
            "{{ Dimension('customer__customer_country') }} = 'US' AND "
            "{{ TimeDimension('metric_time', 'day') }} > '2022-01-01'");
  EXPECT_EQ(ApplyWhereSuggestion("1 = 1", "Dimension('a__b')"), "1 = 1");
}

}  // namespace
}  // namespace mfgate::tools
