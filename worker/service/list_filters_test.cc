#include "worker/service/list_filters.h"

#include "gtest/gtest.h"

namespace mfgate::service {
namespace {

std::vector<std::string> Names(const v1::ListMetricsResponse& response) {
  std::vector<std::string> names;
  for (const v1::Metric& m : response.metrics()) names.push_back(m.name());
  return names;
}

TEST(ListFiltersTest, SearchLeavesTheEngineAndKeepsAnyMatch) {
  v1::EngineRequest request;
  request.mutable_list_metrics()->add_search("CANCEL");
  request.mutable_list_metrics()->add_search("quick");
  ListFilter filter = TakeListFilter(&request);
  EXPECT_TRUE(request.list_metrics().search().empty());
  v1::EngineResponse reply;
  for (const char* name : {"transactions", "cancellations", "quick_buy",
                           "revenue", "cancellation_rate"}) {
    reply.mutable_list_metrics()->add_metrics()->set_name(name);
  }
  // Matched by its label only.
  auto* labelled = reply.mutable_list_metrics()->add_metrics();
  labelled->set_name("fast_orders");
  labelled->set_label("Quick orders");
  ApplyListFilter(filter, &reply);
  EXPECT_EQ(Names(reply.list_metrics()),
            (std::vector<std::string>{"cancellations", "quick_buy",
                                      "cancellation_rate", "fast_orders"}));
}

TEST(ListFiltersTest, NoSearchKeepsEverything) {
  v1::EngineRequest request;
  request.mutable_list_entities();
  ListFilter filter = TakeListFilter(&request);
  v1::EngineResponse reply;
  reply.mutable_list_entities()->add_entities()->set_name("customer");
  reply.mutable_list_entities()->add_entities()->set_name("order");
  ApplyListFilter(filter, &reply);
  EXPECT_EQ(reply.list_entities().entities_size(), 2);
}

TEST(ListFiltersTest, DimensionValuesAreSearchedThenLimited) {
  v1::EngineRequest request;
  v1::ListDimensionValuesRequest* values =
      request.mutable_list_dimension_values();
  values->set_dimension("customer__country");
  values->add_search("a");
  values->set_limit(2);
  ListFilter filter = TakeListFilter(&request);
  EXPECT_EQ(request.list_dimension_values().limit(), 0);
  EXPECT_TRUE(request.list_dimension_values().search().empty());
  EXPECT_EQ(request.list_dimension_values().dimension(), "customer__country");
  v1::EngineResponse reply;
  for (const char* text : {"CA", "FR", "MX", "US", "PA", "AR"}) {
    reply.mutable_list_dimension_values()->add_values()->set_string_value(text);
  }
  reply.mutable_list_dimension_values()->add_values();  // NULL
  ApplyListFilter(filter, &reply);
  const auto& kept = reply.list_dimension_values();
  ASSERT_EQ(kept.values_size(), 2);
  EXPECT_EQ(kept.values(0).string_value(), "CA");
  EXPECT_EQ(kept.values(1).string_value(), "PA");
  EXPECT_TRUE(kept.truncated());
}

TEST(ListFiltersTest, AWithinLimitAnswerIsNotTruncated) {
  v1::EngineRequest request;
  request.mutable_list_dimension_values()->set_limit(3);
  ListFilter filter = TakeListFilter(&request);
  v1::EngineResponse reply;
  reply.mutable_list_dimension_values()->add_values()->set_int_value(7);
  reply.mutable_list_dimension_values()->add_values()->set_bool_value(true);
  ApplyListFilter(filter, &reply);
  EXPECT_EQ(reply.list_dimension_values().values_size(), 2);
  EXPECT_FALSE(reply.list_dimension_values().truncated());
}

}  // namespace
}  // namespace mfgate::service
