#include "worker/validate/names.h"

#include <string>

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::validate {
namespace {

using ::testing::HasSubstr;

TEST(NamesTest, MetricNames) {
  EXPECT_TRUE(ValidateMetricName("metrics[0]", "transactions").ok());
  EXPECT_TRUE(ValidateMetricName("metrics[0]", "_private_2").ok());
  absl::Status bad = ValidateMetricName("metrics[1]", "revenue;drop");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(bad), "metrics[1]");
  EXPECT_THAT(bad.message(), HasSubstr("invalid character ';' at position 7"));
  EXPECT_FALSE(ValidateMetricName("m", "").ok());
  EXPECT_FALSE(ValidateMetricName("m", "1abc").ok());
  EXPECT_FALSE(ValidateMetricName("m", "a-b").ok());
  EXPECT_FALSE(ValidateMetricName("m", std::string(257, 'a')).ok());
  EXPECT_THAT(ValidateMetricName("m", std::string("a\0b", 3)).message(),
              HasSubstr("\\x00"));
}

TEST(NamesTest, GroupByNames) {
  for (const char* ok :
       {"metric_time", "metric_time__day", "customer__customer_country",
        "order_id__customer__region", "customer",
        "metric_time__extract_year"}) {
    EXPECT_TRUE(ValidateGroupByName("group_by[0]", ok).ok()) << ok;
  }
  for (const char* bad :
       {"__day", "metric_time__", "a___b", "a__b__", "a b", "a.b",
        "Dimension('x')", "a__b__c__d__e__f__g__h__i"}) {
    EXPECT_FALSE(ValidateGroupByName("group_by[0]", bad).ok()) << bad;
  }
}

TEST(NamesTest, CanonicalNamesAreRebuiltFromTheirParts) {
  EXPECT_EQ(*CanonicalMetricName("metrics[0]", "transactions"), "transactions");
  EXPECT_EQ(*CanonicalGroupByName("group_by[0]", "customer__region__name"),
            "customer__region__name");
  EXPECT_EQ(*CanonicalOrderByName("order_by[0]", "-metric_time__day"),
            "-metric_time__day");
  EXPECT_EQ(*CanonicalOrderByName("order_by[0]", "transactions"),
            "transactions");
  for (const char* bad : {"--x", "-", "x desc", "-a__", "a--b"}) {
    auto name = CanonicalOrderByName("order_by[0]", bad);
    EXPECT_FALSE(name.ok()) << bad;
    EXPECT_EQ(ErrorField(name.status()), "order_by[0]") << bad;
  }
  EXPECT_FALSE(CanonicalGroupByName("group_by[0]", "a'b").ok());
  EXPECT_FALSE(CanonicalMetricName("metrics[0]", "a__b{{").ok());
}

TEST(NamesTest, SearchText) {
  EXPECT_TRUE(ValidateSearchText("search", "cancel rate").ok());
  EXPECT_TRUE(ValidateSearchText("search", "").ok());
  EXPECT_FALSE(ValidateSearchText("search", "a\nb").ok());
  EXPECT_FALSE(ValidateSearchText("search", std::string(300, 'x')).ok());
}

}  // namespace
}  // namespace mfgate::validate
