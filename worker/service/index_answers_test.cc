#include "worker/service/index_answers.h"

#include "gtest/gtest.h"

namespace mfgate::service {
namespace {

// Two metrics; "revenue" has seven dimensions (two shared with "orders").
v1::SemanticIndex TwoMetrics() {
  v1::SemanticIndex index;
  for (const char* name : {"Revenue", "orders"}) {
    v1::Metric* metric = index.mutable_metrics()->add_metrics();
    metric->set_name(name);
  }
  for (int i = 0; i < 7; ++i) {
    const std::string name = "d" + std::to_string(i);
    index.mutable_metrics()->mutable_metrics(0)->add_dimensions(name);
    index.add_dimension_table()->set_name(name);
    index.mutable_dimensions()->add_dimensions()->set_name(name);
  }
  index.add_entity_table()->set_name("customer");
  index.mutable_entities()->add_entities()->set_name("customer");
  v1::MetricLinks* revenue = index.add_links();
  revenue->set_metric("Revenue");
  for (int i = 0; i < 7; ++i) revenue->add_dimensions(i);
  revenue->add_entities(0);
  v1::MetricLinks* orders = index.add_links();
  orders->set_metric("orders");
  orders->add_dimensions(5);
  orders->add_dimensions(6);
  index.mutable_saved_queries()->add_saved_queries()->set_name("weekly");
  return index;
}

// The worker applies a list's search itself (list_filters.h): the index
// answers the whole list, with five dimensions per metric unless asked.
TEST(IndexAnswersTest, ListMetricsAnswersEveryMetricWithFiveDimensions) {
  v1::EngineRequest request;
  request.mutable_list_metrics();
  auto answer = AnswerFromIndex(request, TwoMetrics());
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->list_metrics().metrics_size(), 2);
  EXPECT_EQ(answer->list_metrics().metrics(0).name(), "Revenue");
  EXPECT_EQ(answer->list_metrics().metrics(0).dimensions_size(), 5);
  request.mutable_list_metrics()->set_show_all_dimensions(true);
  answer = AnswerFromIndex(request, TwoMetrics());
  EXPECT_EQ(answer->list_metrics().metrics(0).dimensions_size(), 7);
}

TEST(IndexAnswersTest, OneMetricOrNoneIsAnsweredSeveralGoToTheEngine) {
  v1::EngineRequest request;
  request.mutable_list_dimensions();
  EXPECT_EQ(AnswerFromIndex(request, TwoMetrics())
                ->list_dimensions()
                .dimensions_size(),
            7);
  request.mutable_list_dimensions()->add_metrics("orders");
  auto answer = AnswerFromIndex(request, TwoMetrics());
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->list_dimensions().dimensions_size(), 2);
  EXPECT_EQ(answer->list_dimensions().dimensions(0).name(), "d5");
  request.mutable_list_dimensions()->add_metrics("Revenue");
  EXPECT_FALSE(AnswerFromIndex(request, TwoMetrics()).has_value());

  request.Clear();
  request.mutable_list_entities()->add_metrics("Revenue");
  answer = AnswerFromIndex(request, TwoMetrics());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->list_entities().entities(0).name(), "customer");
  request.mutable_list_entities()->set_metrics(0, "orders");
  answer = AnswerFromIndex(request, TwoMetrics());
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(answer->has_list_entities());
  EXPECT_EQ(answer->list_entities().entities_size(), 0);
}

// What the index cannot answer exactly is left to the engine.
TEST(IndexAnswersTest, UnknownMetricsSearchesAndFieldsGoToTheEngine) {
  v1::EngineRequest request;
  request.mutable_list_dimensions()->add_metrics("no_such_metric");
  EXPECT_FALSE(AnswerFromIndex(request, TwoMetrics()).has_value());
  request.Clear();
  request.mutable_list_metrics()->add_search("rev");  // Not sent here.
  EXPECT_FALSE(AnswerFromIndex(request, TwoMetrics()).has_value());
  request.Clear();
  // A field added to the request after this code was written.
  request.mutable_list_saved_queries()
      ->GetReflection()
      ->MutableUnknownFields(request.mutable_list_saved_queries())
      ->AddVarint(99, 1);
  EXPECT_FALSE(AnswerFromIndex(request, TwoMetrics()).has_value());
  request.Clear();
  request.mutable_query();
  EXPECT_FALSE(AnswerFromIndex(request, TwoMetrics()).has_value());
  request.Clear();
  request.mutable_list_saved_queries();
  EXPECT_EQ(AnswerFromIndex(request, TwoMetrics())
                ->list_saved_queries()
                .saved_queries(0)
                .name(),
            "weekly");
}

TEST(IndexAnswersTest, AMalformedIndexIsNotTrusted) {
  v1::SemanticIndex index = TwoMetrics();
  index.mutable_links(1)->add_dimensions(1000);
  v1::EngineRequest request;
  request.mutable_list_dimensions()->add_metrics("orders");
  EXPECT_FALSE(AnswerFromIndex(request, index).has_value());
}

// An index read from the manifest leaves unset the lists it could not
// compute exactly (worker/manifest/index_builder.h): those go to an engine,
// never answered as empty.
TEST(IndexAnswersTest, AListTheIndexDoesNotHoldGoesToTheEngine) {
  v1::SemanticIndex partial = TwoMetrics();
  partial.clear_metrics();
  partial.clear_dimensions();
  partial.clear_entities();
  partial.clear_saved_queries();
  v1::EngineRequest request;
  request.mutable_list_metrics();
  EXPECT_FALSE(AnswerFromIndex(request, partial).has_value());
  request.mutable_list_dimensions();
  EXPECT_FALSE(AnswerFromIndex(request, partial).has_value());
  request.mutable_list_entities();
  EXPECT_FALSE(AnswerFromIndex(request, partial).has_value());
  request.mutable_list_saved_queries();
  EXPECT_FALSE(AnswerFromIndex(request, partial).has_value());
  request.mutable_list_semantic_models();
  EXPECT_FALSE(AnswerFromIndex(request, partial).has_value());
  // What it holds, it answers: one metric's dimensions (its links).
  request.mutable_list_dimensions()->add_metrics("orders");
  auto answer = AnswerFromIndex(request, partial);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->list_dimensions().dimensions_size(), 2);
  // An empty list the index holds is an answer.
  v1::SemanticIndex empty;
  empty.mutable_saved_queries();
  request.mutable_list_saved_queries();
  EXPECT_TRUE(AnswerFromIndex(request, empty).has_value());
}

}  // namespace
}  // namespace mfgate::service
