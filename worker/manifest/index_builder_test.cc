#include "worker/manifest/index_builder.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "worker/manifest/manifest_model.h"

namespace mfgate::manifest {
namespace {

ManifestMetric Metric(std::string name, std::string type, std::string measure,
                      std::vector<std::string> inputs = {}) {
  ManifestMetric metric;
  metric.name = std::move(name);
  metric.type = std::move(type);
  metric.measure = std::move(measure);
  for (std::string& input : inputs) metric.inputs.push_back({input, false});
  return metric;
}

// orders -> customers (customer) -> regions (region), two hops.
SemanticManifest Shop() {
  SemanticManifest shop;
  ManifestModel orders;
  orders.name = "orders";
  orders.default_agg_time_dimension = "ordered_at";
  orders.entities = {{"order", "PRIMARY", ""}, {"customer", "FOREIGN", ""}};
  orders.dimensions = {{"ordered_at", "TIME", "When.", "day", false},
                       {"status", "CATEGORICAL", "", "", false}};
  orders.measures = {{"order_count", ""}, {"amount", ""}};
  ManifestModel customers;
  customers.name = "customers";
  customers.entities = {{"customer", "PRIMARY", "A buyer."},
                        {"region", "FOREIGN", ""}};
  customers.dimensions = {{"segment", "CATEGORICAL", "", "", false}};
  ManifestModel regions;
  regions.name = "regions";
  regions.entities = {{"region", "PRIMARY", ""}};
  regions.dimensions = {{"zone", "CATEGORICAL", "", "", false}};
  shop.models = {orders, customers, regions};
  ManifestMetric count = Metric("orders", "SIMPLE", "order_count");
  count.label = "Orders";
  ManifestMetric amount = Metric("amount", "SIMPLE", "amount");
  ManifestMetric ratio = Metric("aov", "RATIO", "", {"amount", "orders"});
  ManifestMetric hidden = Metric("hidden", "SIMPLE", "amount");
  hidden.is_private = true;
  shop.metrics = {count, amount, ratio, hidden};
  return shop;
}

std::vector<std::string> Names(const v1::SemanticIndex& index,
                               const std::string& metric) {
  for (const v1::Metric& m : index.metrics().metrics()) {
    if (m.name() == metric) {
      return {m.dimensions().begin(), m.dimensions().end()};
    }
  }
  return {};
}

TEST(BuildSemanticIndexTest, FollowsJoinsTwoHopsAway) {
  v1::SemanticIndex index = BuildSemanticIndex(Shop());
  ASSERT_TRUE(index.has_metrics());
  ASSERT_EQ(index.metrics().metrics_size(), 3);  // Not the private one.
  EXPECT_EQ(index.metrics().metrics(0).name(), "amount");
  EXPECT_EQ(Names(index, "orders"),
            (std::vector<std::string>{"customer__region__zone",
                                      "customer__segment", "metric_time",
                                      "order__ordered_at", "order__status"}));
  EXPECT_EQ(Names(index, "aov"), Names(index, "orders"));
  // metric_time's grain is the aggregation time dimension's.
  const v1::Dimension& metric_time =
      index.dimension_table(index.links(0).dimensions(2));
  EXPECT_EQ(metric_time.qualified_name(), "metric_time__day");
  EXPECT_EQ(metric_time.granularities(0), "day");
  // Entities: the model's and those one hop away, but the key joined on.
  std::vector<std::string> entities;
  for (int i : index.links(0).entities()) {
    entities.push_back(index.entity_table(i).name() + ":" +
                       index.entity_table(i).type());
  }
  EXPECT_EQ(entities,
            (std::vector<std::string>{"customer:FOREIGN", "order:PRIMARY",
                                      "region:FOREIGN"}));
  // Every dimension: the metrics', then each model's under its primary.
  std::vector<std::string> all;
  for (const auto& d : index.dimensions().dimensions()) all.push_back(d.name());
  EXPECT_EQ(all,
            (std::vector<std::string>{
                "customer__region__zone", "customer__segment", "metric_time",
                "order__ordered_at", "order__status", "region__zone"}));
  // Entities across models: the most specific of each name.
  ASSERT_EQ(index.entities().entities_size(), 3);
  EXPECT_EQ(index.entities().entities(0).type(), "PRIMARY");
  EXPECT_EQ(index.entities().entities(0).description(), "A buyer.");
}

TEST(BuildSemanticIndexTest, LeavesToTheEngineWhatTheRuleDoesNotCover) {
  SemanticManifest shop = Shop();
  ManifestMetric conversion = Metric("conv", "CONVERSION", "");
  conversion.has_conversion_params = true;
  shop.metrics.push_back(conversion);
  v1::SemanticIndex index = BuildSemanticIndex(shop);
  EXPECT_FALSE(index.has_metrics());  // One metric is unknown.
  EXPECT_FALSE(index.has_dimensions());
  EXPECT_EQ(index.links_size(), 3);  // The others are answered alone.
  EXPECT_TRUE(index.has_entities());

  shop = Shop();
  shop.models[1].entities[0].type = "UNIQUE";
  index = BuildSemanticIndex(shop);
  EXPECT_FALSE(index.has_metrics());
  EXPECT_EQ(index.links_size(), 0);

  shop = Shop();
  shop.models[2].dimensions[0].type = "TIME";  // Two hops away.
  EXPECT_FALSE(BuildSemanticIndex(shop).has_metrics());

  shop = Shop();
  shop.metrics[2].inputs[0].offset = true;
  EXPECT_FALSE(BuildSemanticIndex(shop).has_metrics());

  shop = Shop();
  shop.models[0].default_agg_time_dimension = "";
  EXPECT_FALSE(BuildSemanticIndex(shop).has_metrics());
}

TEST(BuildSemanticIndexTest, AMetricThatIsItsOwnInputIsLeftOut) {
  SemanticManifest shop = Shop();
  shop.metrics.push_back(Metric("loop", "DERIVED", "", {"loop"}));
  v1::SemanticIndex index = BuildSemanticIndex(shop);
  EXPECT_FALSE(index.has_metrics());
  EXPECT_EQ(index.links_size(), 3);
}

}  // namespace
}  // namespace mfgate::manifest
