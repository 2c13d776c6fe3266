#include "worker/manifest/metric_links.h"

#include <algorithm>
#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mfgate::manifest {
namespace {

// mf_adapter.py's GRANULARITIES: a time dimension can be grouped by its own
// grain and every coarser one.
constexpr std::array<const char*, 11> kGranularities = {
    "nanosecond", "microsecond", "millisecond", "second",  "minute", "hour",
    "day",        "week",        "month",       "quarter", "year"};
// How MetricFlow describes metric_time.
constexpr char kMetricTimeDescription[] = "Event time for metrics.";
// Ratio and derived metrics nest; deeper than this is left to the engine.
constexpr int kMaxMetricDepth = 16;

void AddGranularities(const std::string& grain, v1::Dimension* dimension) {
  auto it = std::find(kGranularities.begin(), kGranularities.end(), grain);
  for (; it != kGranularities.end(); ++it) dimension->add_granularities(*it);
}

v1::Dimension DimensionAt(const std::vector<std::string>& path,
                          const ManifestDimension& dimension) {
  v1::Dimension out;
  out.set_name(absl::StrCat(absl::StrJoin(path, "__"), "__", dimension.name));
  out.set_qualified_name(out.name());
  out.set_type(dimension.type);
  out.set_description(dimension.description);
  if (dimension.type == "TIME") {
    AddGranularities(dimension.time_granularity, &out);
  }
  return out;
}

v1::Entity EntityOf(const ManifestEntity& entity) {
  v1::Entity out;
  out.set_name(entity.name);
  out.set_type(entity.type);
  out.set_description(entity.description);
  return out;
}

// Adds `item` under its name; false when another item has that name.
template <typename Item>
bool Put(std::map<std::string, Item>* items, Item item) {
  auto [it, added] = items->try_emplace(item.name(), item);
  return added || it->second.SerializeAsString() == item.SerializeAsString();
}

// The items of `first` that every one of `rest` holds too, identical;
// false when two differ under one name.
template <typename Item>
bool Intersect(std::map<std::string, Item>* first,
               const std::map<std::string, Item>& other) {
  for (auto it = first->begin(); it != first->end();) {
    auto found = other.find(it->first);
    if (found == other.end()) {
      it = first->erase(it);
    } else if (found->second.SerializeAsString() !=
               it->second.SerializeAsString()) {
      return false;
    } else {
      ++it;
    }
  }
  return true;
}

std::string PrimaryOf(const ManifestModel& model) {
  for (const ManifestEntity& entity : model.entities) {
    if (entity.type == "PRIMARY") return entity.name;
  }
  return model.primary_entity;
}

}  // namespace

MetricLinker::MetricLinker(const SemanticManifest& manifest)
    : manifest_(manifest) {
  covered_ = !manifest.has_custom_granularities;
  for (const ManifestModel& model : manifest.models) {
    for (const ManifestEntity& entity : model.entities) {
      if (entity.type != "PRIMARY" && entity.type != "FOREIGN") {
        covered_ = false;
      }
    }
    for (const ManifestDimension& dimension : model.dimensions) {
      if (dimension.has_validity_params ||
          (dimension.type != "CATEGORICAL" && dimension.type != "TIME")) {
        covered_ = false;
      }
    }
  }
}

std::optional<MetricItems> MetricLinker::ItemsOf(const std::string& name) {
  if (!covered_) return std::nullopt;
  return Resolve(name, 0);
}

std::optional<MetricItems> MetricLinker::Resolve(const std::string& name,
                                                 int depth) {
  if (depth > kMaxMetricDepth) return std::nullopt;
  if (auto it = memo_.find(name); it != memo_.end()) return it->second;
  memo_[name] = std::nullopt;  // A metric that is its own input stays so.
  const ManifestMetric* metric = nullptr;
  for (const ManifestMetric& candidate : manifest_.metrics) {
    if (candidate.name == name) {
      if (metric != nullptr) return std::nullopt;  // Named twice.
      metric = &candidate;
    }
  }
  if (metric == nullptr || metric->has_time_granularity ||
      metric->has_conversion_params) {
    return std::nullopt;
  }
  std::optional<MetricItems> items;
  if (metric->type == "SIMPLE" || metric->type == "CUMULATIVE") {
    if (metric->measure.empty() || !metric->inputs.empty()) {
      return std::nullopt;
    }
    items = OfMeasure(metric->measure);
  } else if (metric->type == "RATIO" || metric->type == "DERIVED") {
    for (const ManifestMetricInput& input : metric->inputs) {
      std::optional<MetricItems> of =
          input.offset ? std::nullopt : Resolve(input.name, depth + 1);
      if (!of.has_value()) return std::nullopt;
      if (!items.has_value()) {
        items = std::move(of);
      } else if (!Intersect(&items->dimensions, of->dimensions) ||
                 !Intersect(&items->entities, of->entities)) {
        return std::nullopt;
      }
    }
  }
  memo_[name] = items;
  return items;
}

std::optional<MetricItems> MetricLinker::OfMeasure(const std::string& name) {
  const ManifestModel* model = nullptr;
  const ManifestMeasure* measure = nullptr;
  for (const ManifestModel& candidate : manifest_.models) {
    for (const ManifestMeasure& m : candidate.measures) {
      if (m.name != name) continue;
      if (measure != nullptr) return std::nullopt;  // Two of one name.
      model = &candidate;
      measure = &m;
    }
  }
  if (measure == nullptr) return std::nullopt;
  // The model where `entity` is primary; null when none; nullopt when two.
  auto keyed_by =
      [&](const std::string& entity) -> std::optional<const ManifestModel*> {
    const ManifestModel* found = nullptr;
    for (const ManifestModel& candidate : manifest_.models) {
      for (const ManifestEntity& e : candidate.entities) {
        if (e.name != entity || e.type != "PRIMARY") continue;
        if (found != nullptr) return std::nullopt;
        found = &candidate;
      }
    }
    return found;
  };
  const std::string primary = PrimaryOf(*model);
  const std::string& agg_time = measure->agg_time_dimension.empty()
                                    ? model->default_agg_time_dimension
                                    : measure->agg_time_dimension;
  if (primary.empty() || agg_time.empty()) return std::nullopt;
  MetricItems items;
  bool ok = true;
  for (const ManifestDimension& dimension : model->dimensions) {
    ok &= Put(&items.dimensions, DimensionAt({primary}, dimension));
    if (dimension.name != agg_time) continue;
    if (dimension.type != "TIME" ||
        std::find(kGranularities.begin(), kGranularities.end(),
                  dimension.time_granularity) == kGranularities.end()) {
      return std::nullopt;
    }
    v1::Dimension metric_time;
    metric_time.set_name("metric_time");
    metric_time.set_qualified_name("metric_time__" +
                                   dimension.time_granularity);
    metric_time.set_type("TIME");
    metric_time.set_description(kMetricTimeDescription);
    AddGranularities(dimension.time_granularity, &metric_time);
    ok &= Put(&items.dimensions, std::move(metric_time));
  }
  if (items.dimensions.count("metric_time") == 0) return std::nullopt;
  for (const ManifestEntity& entity : model->entities) {
    ok &= Put(&items.entities, EntityOf(entity));
  }
  for (const ManifestEntity& link : model->entities) {
    std::optional<const ManifestModel*> next = keyed_by(link.name);
    if (!next.has_value()) return std::nullopt;
    if (*next == nullptr || *next == model) continue;
    for (const ManifestDimension& dimension : (*next)->dimensions) {
      ok &= Put(&items.dimensions, DimensionAt({link.name}, dimension));
    }
    for (const ManifestEntity& second : (*next)->entities) {
      if (second.name == link.name) continue;
      ok &= Put(&items.entities, EntityOf(second));
      std::optional<const ManifestModel*> last = keyed_by(second.name);
      if (!last.has_value() || *last == model) return std::nullopt;
      if (*last == nullptr || *last == *next) continue;
      // What MetricFlow lists two hops away is known here only for a model
      // of categorical dimensions keyed by its one entity.
      if ((*last)->entities.size() != 1) return std::nullopt;
      for (const ManifestDimension& dimension : (*last)->dimensions) {
        if (dimension.type != "CATEGORICAL") return std::nullopt;
        ok &= Put(&items.dimensions,
                  DimensionAt({link.name, second.name}, dimension));
      }
    }
  }
  if (!ok) return std::nullopt;
  return items;
}

std::optional<std::map<std::string, v1::Dimension>>
MetricLinker::ModelDimensions() {
  if (!covered_) return std::nullopt;
  std::map<std::string, v1::Dimension> dimensions;
  for (const ManifestModel& model : manifest_.models) {
    if (model.dimensions.empty()) continue;
    const std::string primary = PrimaryOf(model);
    if (primary.empty()) return std::nullopt;
    for (const ManifestDimension& dimension : model.dimensions) {
      if (!Put(&dimensions, DimensionAt({primary}, dimension))) {
        return std::nullopt;
      }
    }
  }
  return dimensions;
}

}  // namespace mfgate::manifest
