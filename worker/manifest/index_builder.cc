#include "worker/manifest/index_builder.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "worker/manifest/metric_links.h"

namespace mfgate::manifest {
namespace {

// mf_adapter.py's ENTITY_TYPE_RANK: an entity several models define is
// described by the model where it is the most specific.
int RankOf(const std::string& type) {
  static const std::map<std::string, int> kRank = {
      {"PRIMARY", 0}, {"UNIQUE", 1}, {"NATURAL", 2}, {"FOREIGN", 3}};
  auto it = kRank.find(type);
  return it == kRank.end() ? 9 : it->second;
}

// Adds each of `items` to a table once (its first place), as
// _semantic_index's index_of does, and returns the places.
template <typename Item>
class Table {
 public:
  explicit Table(google::protobuf::RepeatedPtrField<Item>* rows)
      : rows_(rows) {}
  int32_t IndexOf(const Item& item) {
    auto [it, added] = places_.try_emplace(item.SerializeAsString(),
                                           static_cast<int32_t>(rows_->size()));
    if (added) *rows_->Add() = item;
    return it->second;
  }

 private:
  google::protobuf::RepeatedPtrField<Item>* rows_;
  std::map<std::string, int32_t> places_;
};

void AddEntities(const SemanticManifest& manifest, v1::SemanticIndex* index) {
  std::vector<const ManifestEntity*> all;
  for (const ManifestModel& model : manifest.models) {
    for (const ManifestEntity& entity : model.entities) all.push_back(&entity);
  }
  std::stable_sort(all.begin(), all.end(), [](const auto* a, const auto* b) {
    return std::make_pair(a->name, RankOf(a->type)) <
           std::make_pair(b->name, RankOf(b->type));
  });
  v1::ListEntitiesResponse* out = index->mutable_entities();
  for (const ManifestEntity* entity : all) {
    if (out->entities_size() > 0 &&
        out->entities(out->entities_size() - 1).name() == entity->name) {
      continue;
    }
    v1::Entity* item = out->add_entities();
    item->set_name(entity->name);
    item->set_type(entity->type);
    item->set_description(entity->description);
  }
}

void AddSavedQueries(const SemanticManifest& manifest,
                     v1::SemanticIndex* index) {
  std::vector<const ManifestSavedQuery*> all;
  for (const ManifestSavedQuery& saved : manifest.saved_queries) {
    all.push_back(&saved);
  }
  std::stable_sort(all.begin(), all.end(), [](const auto* a, const auto* b) {
    return a->name < b->name;
  });
  v1::ListSavedQueriesResponse* out = index->mutable_saved_queries();
  for (const ManifestSavedQuery* saved : all) {
    v1::SavedQuery* item = out->add_saved_queries();
    item->set_name(saved->name);
    item->set_description(saved->description);
    item->set_label(saved->label);
    for (const std::string& s : saved->metrics) item->add_metrics(s);
    for (const std::string& s : saved->group_by) item->add_group_by(s);
    for (const std::string& s : saved->where) item->add_where(s);
  }
}

void AddSemanticModels(const SemanticManifest& manifest,
                       v1::SemanticIndex* index) {
  v1::ListSemanticModelsResponse* out = index->mutable_semantic_models();
  for (const ManifestModel& model : manifest.models) {
    v1::SemanticModel* item = out->add_semantic_models();
    item->set_name(model.name);
    item->set_description(model.description);
    item->set_relation(model.relation);
    for (const auto& e : model.entities) item->add_entities(e.name);
    for (const auto& d : model.dimensions) item->add_dimensions(d.name);
    for (const auto& m : model.measures) item->add_measures(m.name);
  }
}

// The metrics, their links, and the list of every dimension: each only when
// every part it is made of is known.
void AddMetrics(const SemanticManifest& manifest, v1::SemanticIndex* index) {
  std::vector<const ManifestMetric*> listed;
  for (const ManifestMetric& metric : manifest.metrics) {
    if (!metric.is_private) listed.push_back(&metric);
  }
  std::stable_sort(
      listed.begin(), listed.end(),
      [](const auto* a, const auto* b) { return a->name < b->name; });
  MetricLinker linker(manifest);
  v1::ListMetricsResponse metrics;
  Table<v1::Dimension> dimension_table(index->mutable_dimension_table());
  Table<v1::Entity> entity_table(index->mutable_entity_table());
  // Every dimension, the first of each name: the metrics' in their order,
  // then the models' (mf_adapter.py's _list_dimensions).
  std::map<std::string, v1::Dimension> every;
  bool complete = true;
  for (const ManifestMetric* metric : listed) {
    std::optional<MetricItems> items = linker.ItemsOf(metric->name);
    if (!items.has_value()) {
      complete = false;
      continue;
    }
    v1::Metric* item = metrics.add_metrics();
    item->set_name(metric->name);
    item->set_type(metric->type);
    item->set_description(metric->description);
    item->set_label(metric->label);
    v1::MetricLinks* links = index->add_links();
    links->set_metric(metric->name);
    for (const auto& [name, dimension] : items->dimensions) {
      item->add_dimensions(name);
      links->add_dimensions(dimension_table.IndexOf(dimension));
      every.try_emplace(name, dimension);
    }
    for (const auto& [name, entity] : items->entities) {
      links->add_entities(entity_table.IndexOf(entity));
    }
  }
  std::optional<std::map<std::string, v1::Dimension>> of_models =
      linker.ModelDimensions();
  if (!complete || !of_models.has_value()) return;
  *index->mutable_metrics() = std::move(metrics);
  for (auto& [name, dimension] : *of_models) every.try_emplace(name, dimension);
  v1::ListDimensionsResponse* out = index->mutable_dimensions();
  for (auto& [name, dimension] : every) *out->add_dimensions() = dimension;
}

}  // namespace

v1::SemanticIndex BuildSemanticIndex(const SemanticManifest& manifest) {
  v1::SemanticIndex index;
  AddMetrics(manifest, &index);
  AddEntities(manifest, &index);
  AddSavedQueries(manifest, &index);
  AddSemanticModels(manifest, &index);
  return index;
}

}  // namespace mfgate::manifest
