// SemanticManifest: the parts of dbt's target/semantic_manifest.json (the
// file MetricFlow loads) that the metadata answers are made of, read from
// JSON text within limits.
//
// ParseSemanticManifest takes text from outside the worker: longer than
// kMaxManifestBytes or nested deeper than kMaxManifestDepth is refused before
// any tree is built (common/json_parse.h), a field of the wrong type is an
// error, and nothing the JSON library throws escapes. Unknown fields are
// ignored, as MetricFlow ignores them. Plain values; a pure function, safe
// from any thread.
#ifndef MFGATE_WORKER_MANIFEST_MANIFEST_MODEL_H_
#define MFGATE_WORKER_MANIFEST_MANIFEST_MODEL_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate::manifest {

inline constexpr size_t kMaxManifestBytes = 64 << 20;
inline constexpr int kMaxManifestDepth = 32;

struct ManifestEntity {
  std::string name;
  std::string type;  // Upper case: PRIMARY, UNIQUE, NATURAL, FOREIGN.
  std::string description;
};

struct ManifestDimension {
  std::string name;
  std::string type;  // Upper case: CATEGORICAL or TIME.
  std::string description;
  std::string time_granularity;      // Of a time dimension; else empty.
  bool has_validity_params = false;  // A slowly changing dimension.
};

struct ManifestMeasure {
  std::string name;
  std::string agg_time_dimension;  // Empty: the model's default.
};

struct ManifestModel {
  std::string name;
  std::string description;
  std::string relation;        // relation_name, else schema.alias.
  std::string primary_entity;  // The model's `primary_entity` field.
  std::string default_agg_time_dimension;
  std::vector<ManifestEntity> entities;
  std::vector<ManifestDimension> dimensions;
  std::vector<ManifestMeasure> measures;
};

struct ManifestMetricInput {
  std::string name;
  bool offset = false;  // offset_window or offset_to_grain is set.
};

struct ManifestMetric {
  std::string name;
  std::string type;  // Upper case: SIMPLE, RATIO, CUMULATIVE, ...
  std::string description;
  std::string label;
  std::string measure;                      // Of a simple or cumulative metric.
  std::vector<ManifestMetricInput> inputs;  // Of a ratio or derived metric.
  bool has_time_granularity = false;  // The metric's default grain is set.
  bool has_conversion_params = false;
  bool is_private = false;  // MetricFlow lists it nowhere.
};

struct ManifestSavedQuery {
  std::string name;
  std::string description;
  std::string label;
  std::vector<std::string> metrics;
  std::vector<std::string> group_by;
  std::vector<std::string> where;
};

struct SemanticManifest {
  std::vector<ManifestModel> models;
  std::vector<ManifestMetric> metrics;
  std::vector<ManifestSavedQuery> saved_queries;
  bool has_custom_granularities = false;  // Of a time spine.
};

// The manifest in `json`. Errors: InvalidArgument (not JSON, or a field of
// the wrong type: "semantic_models[2].entities[0].name: not a string"),
// ResourceExhausted (too large or too deep).
absl::StatusOr<SemanticManifest> ParseSemanticManifest(absl::string_view json);

}  // namespace mfgate::manifest

#endif  // MFGATE_WORKER_MANIFEST_MANIFEST_MODEL_H_
