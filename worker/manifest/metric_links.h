// MetricLinker: the dimensions and entities a metric can be grouped by, as
// MetricFlow's simple_dimensions_for_metrics and entities_for_metrics list
// them, for the manifests whose join rule this reproduces.
//
// The rule: a measure's semantic model reaches its own dimensions through
// its primary entity, and through each of its entities the models where that
// entity is primary (one hop), and from those, through their other entities,
// the next such models (two hops, MetricFlow's MAX_JOIN_HOPS); a dimension is
// named by its path of entities and its name. metric_time has the grain of
// the measure's aggregation time dimension. A ratio or derived metric has
// what its inputs share. Entities: those of the measure's model and of the
// models one hop away (but the entity joined on).
//
// Anything else — unique or natural entities, slowly changing dimensions,
// custom granularities, conversion metrics, offsets, a metric's own default
// grain, two models keyed by one entity, a two-hop model with time
// dimensions or entities of its own, two names for one thing — yields
// nullopt: the engine answers. Not thread-safe (it memoizes); use one per
// thread.
#ifndef MFGATE_WORKER_MANIFEST_METRIC_LINKS_H_
#define MFGATE_WORKER_MANIFEST_METRIC_LINKS_H_

#include <map>
#include <optional>
#include <string>

#include "mfgate/v1/worker.pb.h"
#include "worker/manifest/manifest_model.h"

namespace mfgate::manifest {

// One metric's group-by items, each list keyed (and so sorted) by name.
struct MetricItems {
  std::map<std::string, v1::Dimension> dimensions;
  std::map<std::string, v1::Entity> entities;
};

class MetricLinker {
 public:
  explicit MetricLinker(const SemanticManifest& manifest);

  // The items of metric `name`; nullopt when the rule does not cover it.
  std::optional<MetricItems> ItemsOf(const std::string& name);

  // A model's dimension under its primary entity, as MetricFlow's
  // list_dimensions without metrics names it; nullopt as above.
  std::optional<std::map<std::string, v1::Dimension>> ModelDimensions();

 private:
  std::optional<MetricItems> Resolve(const std::string& name, int depth);
  std::optional<MetricItems> OfMeasure(const std::string& measure);

  const SemanticManifest& manifest_;
  bool covered_ = true;  // False: the manifest uses what the rule lacks.
  std::map<std::string, std::optional<MetricItems>> memo_;
};

}  // namespace mfgate::manifest

#endif  // MFGATE_WORKER_MANIFEST_METRIC_LINKS_H_
