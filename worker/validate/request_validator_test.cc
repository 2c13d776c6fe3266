#include "worker/validate/request_validator.h"

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::validate {
namespace {

using ::testing::HasSubstr;

v1::QueryRequest Query() {
  v1::QueryRequest request;
  request.add_metrics("transactions");
  request.add_group_by("metric_time__day");
  request.add_order_by("-metric_time__day");
  request.set_where("{{ Dimension('customer__customer_country') }} = 'MX'");
  request.set_limit(10);
  request.set_start_time("2022-03-01");
  request.set_end_time("2022-04-01");
  return request;
}

std::string FieldOf(const absl::Status& status) { return ErrorField(status); }

TEST(RequestValidatorTest, AcceptsAGoodQuery) {
  EXPECT_TRUE(ValidateRequest(Query(), Limits()).ok());
}

TEST(RequestValidatorTest, NamesTheIndexedField) {
  v1::QueryRequest request = Query();
  request.add_metrics("bad name");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "metrics[1]");
  request = Query();
  request.add_group_by("x;y");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "group_by[1]");
  request = Query();
  request.set_where("1=1; DROP TABLE x");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "where");
}

TEST(RequestValidatorTest, OrderByMustBeSelected) {
  v1::QueryRequest request = Query();
  request.add_order_by("revenue");
  absl::Status status = ValidateRequest(request, Limits());
  EXPECT_EQ(FieldOf(status), "order_by[1]");
  EXPECT_THAT(status.message(), HasSubstr("'revenue'"));
}

TEST(RequestValidatorTest, SavedQueryExcludesMetrics) {
  v1::QueryRequest request;
  request.set_saved_query("core_transaction_metrics");
  EXPECT_TRUE(ValidateRequest(request, Limits()).ok());
  request.add_metrics("transactions");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "saved_query");
  EXPECT_EQ(FieldOf(ValidateRequest(v1::QueryRequest(), Limits())), "metrics");
}

TEST(RequestValidatorTest, LimitAndTimes) {
  v1::QueryRequest request = Query();
  request.set_limit(-1);
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "limit");
  request.set_limit(10001);
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "limit");
  request = Query();
  request.set_start_time("last week");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "start_time");
  request = Query();
  request.set_end_time("2022-01-01");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "end_time");
}

TEST(RequestValidatorTest, TooManyNames) {
  v1::ListDimensionsRequest request;
  for (int i = 0; i < 65; ++i) request.add_metrics("m");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "metrics");
}

TEST(RequestValidatorTest, DimensionValues) {
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__customer_country");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "metrics");
  request.add_metrics("transactions");
  EXPECT_TRUE(ValidateRequest(request, Limits()).ok());
  request.set_dimension("customer__customer_country) --");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "dimension");
}

TEST(RequestValidatorTest, ValidateConfigsBounds) {
  v1::ValidateConfigsRequest request;
  request.set_dw_timeout(-5);
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "dw_timeout");
  request.set_dw_timeout(30);
  request.set_semantic_validation_workers(1000);
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())),
            "semantic_validation_workers");
}

TEST(RequestValidatorTest, SearchText) {
  v1::ListMetricsRequest request;
  request.set_search("revenue");
  EXPECT_TRUE(ValidateRequest(request, Limits()).ok());
  request.set_search("a\x01");
  EXPECT_EQ(FieldOf(ValidateRequest(request, Limits())), "search");
}

}  // namespace
}  // namespace mfgate::validate
