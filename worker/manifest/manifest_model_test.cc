#include "worker/manifest/manifest_model.h"

#include <string>

#include "gtest/gtest.h"

namespace mfgate::manifest {
namespace {

TEST(ParseSemanticManifestTest, ReadsModelsMetricsAndSavedQueries) {
  auto manifest = ParseSemanticManifest(R"json({
    "semantic_models": [{
      "name": "orders", "description": null,
      "node_relation": {"relation_name": null, "schema_name": "main",
                        "alias": "orders"},
      "defaults": {"agg_time_dimension": "ordered_at"},
      "entities": [{"name": "order", "type": "primary"}],
      "dimensions": [{"name": "ordered_at", "type": "time",
                      "type_params": {"time_granularity": "day",
                                      "validity_params": null}}],
      "measures": [{"name": "order_count", "agg": "sum"}]}],
    "metrics": [{"name": "orders", "type": "simple", "label": "Orders",
                 "type_params": {"measure": {"name": "order_count"},
                                 "metrics": [], "is_private": false}}],
    "saved_queries": [{"name": "q", "query_params": {
        "metrics": ["orders"], "group_by": ["Dimension('order__x')"],
        "where": {"where_filters": [{"where_sql_template": "1 = 1"}]}}}],
    "project_configuration": {"time_spines": [{"custom_granularities": []}]},
    "unknown": {"ignored": true}})json");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  ASSERT_EQ(manifest->models.size(), 1u);
  const ManifestModel& model = manifest->models[0];
  EXPECT_EQ(model.relation, "main.orders");
  EXPECT_EQ(model.default_agg_time_dimension, "ordered_at");
  EXPECT_EQ(model.entities[0].type, "PRIMARY");
  EXPECT_EQ(model.dimensions[0].type, "TIME");
  EXPECT_EQ(model.dimensions[0].time_granularity, "day");
  EXPECT_FALSE(model.dimensions[0].has_validity_params);
  ASSERT_EQ(manifest->metrics.size(), 1u);
  EXPECT_EQ(manifest->metrics[0].type, "SIMPLE");
  EXPECT_EQ(manifest->metrics[0].measure, "order_count");
  EXPECT_FALSE(manifest->metrics[0].is_private);
  ASSERT_EQ(manifest->saved_queries.size(), 1u);
  EXPECT_EQ(manifest->saved_queries[0].where,
            std::vector<std::string>{"1 = 1"});
  EXPECT_FALSE(manifest->has_custom_granularities);
}

TEST(ParseSemanticManifestTest, NamesTheFieldOfTheWrongType) {
  auto manifest = ParseSemanticManifest(
      R"({"semantic_models": [{"name": "a", "entities": [{"name": 7}]}]})");
  ASSERT_EQ(manifest.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(manifest.status().message(),
            "semantic_models[0].entities[0].name: not a string");
  EXPECT_EQ(ParseSemanticManifest(R"({"metrics": {}})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSemanticManifest("[1]").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSemanticManifest("{").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseSemanticManifestTest, RefusesDeepAndHugeInput) {
  std::string deep = std::string(kMaxManifestDepth + 1, '[') +
                     std::string(kMaxManifestDepth + 1, ']');
  EXPECT_EQ(ParseSemanticManifest(deep).status().code(),
            absl::StatusCode::kResourceExhausted);
  std::string huge = "{\"x\": \"" + std::string(kMaxManifestBytes, 'a') + "\"}";
  EXPECT_EQ(ParseSemanticManifest(huge).status().code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace mfgate::manifest
