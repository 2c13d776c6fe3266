#include "worker/validate/canonical_request.h"

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

template <typename T>
std::string FieldOf(const absl::StatusOr<T>& result) {
  return ErrorField(result.status());
}

TEST(CanonicalRequestTest, AcceptsAGoodQuery) {
  EXPECT_TRUE(Canonicalize(Query(), Limits()).ok());
}

TEST(CanonicalRequestTest, NamesTheIndexedField) {
  v1::QueryRequest request = Query();
  request.add_metrics("bad name");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "metrics[1]");
  request = Query();
  request.add_group_by("x;y");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "group_by[1]");
  request = Query();
  request.set_where("1=1; DROP TABLE x");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "where");
}

TEST(CanonicalRequestTest, OrderByMustBeSelected) {
  v1::QueryRequest request = Query();
  request.add_order_by("revenue");
  auto result = Canonicalize(request, Limits());
  EXPECT_EQ(FieldOf(result), "order_by[1]");
  EXPECT_THAT(result.status().message(), HasSubstr("'revenue'"));
}

TEST(CanonicalRequestTest, SavedQueryExcludesMetrics) {
  v1::QueryRequest request;
  request.set_saved_query("core_transaction_metrics");
  EXPECT_TRUE(Canonicalize(request, Limits()).ok());
  request.add_metrics("transactions");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "saved_query");
  EXPECT_EQ(FieldOf(Canonicalize(v1::QueryRequest(), Limits())), "metrics");
}

TEST(CanonicalRequestTest, LimitAndTimes) {
  v1::QueryRequest request = Query();
  request.set_limit(-1);
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "limit");
  request.set_limit(10001);
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "limit");
  request = Query();
  request.set_start_time("last week");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "start_time");
  request = Query();
  request.set_end_time("2022-01-01");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "end_time");
}

TEST(CanonicalRequestTest, SearchStringsAreCheckedOneByOne) {
  v1::ListDimensionsRequest request;
  request.add_metrics("transactions");
  request.add_search("country");
  request.add_search("bad\x01");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "search[1]");
  request.mutable_search()->RemoveLast();
  auto canonical = Canonicalize(request, Limits());
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(canonical->search(0), "country");
  v1::ListSavedQueriesRequest saved;
  for (int i = 0; i < 65; ++i) saved.add_search("x");
  EXPECT_EQ(FieldOf(Canonicalize(saved, Limits())), "search");
}

TEST(CanonicalRequestTest, DimensionValuesNeedNoMetricsButTimesDo) {
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__customer_country");
  auto canonical = Canonicalize(request, Limits());
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(canonical->limit(), 100);  // The default.
  request.set_limit(10001);
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "limit");
  request.set_limit(5);
  request.set_start_time("2022-03-01");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "start_time");
  request.add_metrics("transactions");
  canonical = Canonicalize(request, Limits());
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(canonical->limit(), 5);
  EXPECT_EQ(canonical->start_time(), "2022-03-01");
}

TEST(CanonicalRequestTest, TooManyNames) {
  v1::ListDimensionsRequest request;
  for (int i = 0; i < 65; ++i) request.add_metrics("m");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "metrics");
}

TEST(CanonicalRequestTest, DimensionValues) {
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__customer_country");
  request.add_metrics("transactions");
  EXPECT_TRUE(Canonicalize(request, Limits()).ok());
  request.add_metrics("bad name");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "metrics[1]");
  request.mutable_metrics()->RemoveLast();
  request.set_dimension("customer__customer_country) --");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "dimension");
}

TEST(CanonicalRequestTest, ValidateConfigsBounds) {
  v1::ValidateConfigsRequest request;
  request.set_dw_timeout(-5);
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "dw_timeout");
  request.set_dw_timeout(30);
  request.set_semantic_validation_workers(1000);
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())),
            "semantic_validation_workers");
}

TEST(CanonicalRequestTest, SearchText) {
  v1::ListMetricsRequest request;
  request.add_search("revenue");
  EXPECT_TRUE(Canonicalize(request, Limits()).ok());
  request.add_search("a\x01");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "search[1]");
}

TEST(CanonicalRequestTest, TheEngineGetsTheRequestWrittenAnew) {
  v1::QueryRequest request = Query();
  request.set_where(
      "{{dimension('customer__customer_country')}} = 'MX'");  // Wrong case.
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "where");
  request = Query();
  request.set_where(
      "{{Dimension(\"customer__customer_country\")}}!='it''s' and "
      "{{ TimeDimension('metric_time','day') }}>=date '2022-3-01'");
  EXPECT_EQ(FieldOf(Canonicalize(request, Limits())), "where");
  request.set_where(
      "{{Dimension(\"customer__customer_country\")}}!='it''s' and "
      "{{ TimeDimension('metric_time','day') }}>=date '2022-03-01'");
  request.set_start_time("2022-03-01 00:00");
  request.set_limit(0);
  auto canonical = Canonicalize(request, Limits());
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(canonical->where(),
            "{{ Dimension('customer__customer_country') }} <> 'it''s' AND "
            "{{ TimeDimension('metric_time', 'day') }} >= DATE '2022-03-01'");
  EXPECT_EQ(canonical->start_time(), "2022-03-01T00:00:00");
  EXPECT_EQ(canonical->end_time(), "2022-04-01");
  EXPECT_EQ(canonical->limit(), 100);
  EXPECT_EQ(canonical->metrics(0), "transactions");
  EXPECT_EQ(canonical->order_by(0), "-metric_time__day");
}

TEST(CanonicalRequestTest, FieldsTheWorkerDoesNotKnowAreDropped) {
  v1::QueryRequest request = Query();
  // Field 999, varint 1: what a newer or hostile client could add.
  std::string bytes = request.SerializeAsString() + std::string("\xb8\x3e\x01");
  ASSERT_TRUE(request.ParseFromString(bytes));
  ASSERT_FALSE(request.GetReflection()->GetUnknownFields(request).empty());
  auto canonical = Canonicalize(request, Limits());
  ASSERT_TRUE(canonical.ok());
  EXPECT_TRUE(canonical->GetReflection()->GetUnknownFields(*canonical).empty());
}

TEST(CanonicalRequestTest, LaterFieldsAreCheckedToo) {
  v1::ListDimensionValuesRequest values;
  values.set_dimension("customer__customer_country");
  values.add_metrics("transactions");
  values.set_start_time("2022-02-30");
  EXPECT_EQ(FieldOf(Canonicalize(values, Limits())), "start_time");
  values.set_start_time("2022-02-01");
  values.set_end_time("2022-03-01 12:00");
  auto canonical = Canonicalize(values, Limits());
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(canonical->end_time(), "2022-03-01T12:00:00");
}

}  // namespace
}  // namespace mfgate::validate
