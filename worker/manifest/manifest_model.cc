#include "worker/manifest/manifest_model.h"

#include <exception>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/json_parse.h"
#include "nlohmann/json.hpp"

namespace mfgate::manifest {
namespace {

using Json = nlohmann::json;

// Reads fields of one JSON object, naming the first one that is wrong.
// A missing field and a null are the empty value, as in dbt's schema.
class Fields {
 public:
  Fields(const Json& object, std::string path, absl::Status* status)
      : object_(object), path_(std::move(path)), status_(status) {
    if (!object_.is_object()) Fail("", "not an object");
  }

  std::string String(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return "";
    if (!value->is_string()) return Fail(key, "not a string"), "";
    return value->get_ref<const std::string&>();
  }
  std::string Upper(const char* key) {
    return absl::AsciiStrToUpper(String(key));
  }
  bool Present(const char* key) { return Find(key) != nullptr; }
  bool Bool(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return Fail(key, "not a boolean"), false;
    return value->get<bool>();
  }
  // The object at `key`, or null when it is missing or null.
  const Json* Object(const char* key) {
    const Json* value = Find(key);
    if (value != nullptr && !value->is_object()) {
      return Fail(key, "not an object"), nullptr;
    }
    return value;
  }
  // Calls `each` with every element of the array at `key` and its path.
  void Each(const char* key,
            const std::function<void(const Json&, const std::string&)>& each) {
    const Json* value = Find(key);
    if (value == nullptr) return;
    if (!value->is_array()) return Fail(key, "not an array");
    for (size_t i = 0; i < value->size() && status_->ok(); ++i) {
      each((*value)[i],
           absl::StrCat(path_, path_.empty() ? "" : ".", key, "[", i, "]"));
    }
  }
  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    Each(key, [&](const Json& item, const std::string& path) {
      if (!item.is_string()) {
        *status_ = absl::InvalidArgumentError(path + ": not a string");
        return;
      }
      out.push_back(item.get<std::string>());
    });
    return out;
  }

 private:
  const Json* Find(const char* key) {
    if (!status_->ok() || !object_.is_object()) return nullptr;
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  void Fail(const char* key, const char* what) {
    if (!status_->ok()) return;
    std::string where = path_;
    if (*key != '\0') absl::StrAppend(&where, where.empty() ? "" : ".", key);
    *status_ = absl::InvalidArgumentError(
        absl::StrCat(where.empty() ? "manifest" : where, ": ", what));
  }

  const Json& object_;
  const std::string path_;
  absl::Status* status_;
};

ManifestModel ModelOf(const Json& json, const std::string& path,
                      absl::Status* status) {
  Fields f(json, path, status);
  ManifestModel model;
  model.name = f.String("name");
  model.description = f.String("description");
  model.primary_entity = f.String("primary_entity");
  if (const Json* defaults = f.Object("defaults")) {
    model.default_agg_time_dimension =
        Fields(*defaults, path + ".defaults", status)
            .String("agg_time_dimension");
  }
  if (const Json* relation = f.Object("node_relation")) {
    Fields r(*relation, path + ".node_relation", status);
    model.relation = r.String("relation_name");
    if (model.relation.empty()) {
      model.relation =
          absl::StrCat(r.String("schema_name"), ".", r.String("alias"));
    }
  }
  f.Each("entities", [&](const Json& item, const std::string& at) {
    Fields e(item, at, status);
    model.entities.push_back(
        {e.String("name"), e.Upper("type"), e.String("description")});
  });
  f.Each("dimensions", [&](const Json& item, const std::string& at) {
    Fields d(item, at, status);
    ManifestDimension dimension;
    dimension.name = d.String("name");
    dimension.type = d.Upper("type");
    dimension.description = d.String("description");
    if (const Json* params = d.Object("type_params")) {
      Fields p(*params, at + ".type_params", status);
      dimension.time_granularity = p.String("time_granularity");
      dimension.has_validity_params = p.Present("validity_params");
    }
    model.dimensions.push_back(std::move(dimension));
  });
  f.Each("measures", [&](const Json& item, const std::string& at) {
    Fields m(item, at, status);
    model.measures.push_back(
        {m.String("name"), m.String("agg_time_dimension")});
  });
  return model;
}

ManifestMetricInput InputOf(const Json& json, const std::string& path,
                            absl::Status* status) {
  Fields f(json, path, status);
  return {f.String("name"),
          f.Present("offset_window") || f.Present("offset_to_grain")};
}

ManifestMetric MetricOf(const Json& json, const std::string& path,
                        absl::Status* status) {
  Fields f(json, path, status);
  ManifestMetric metric;
  metric.name = f.String("name");
  metric.type = f.Upper("type");
  metric.description = f.String("description");
  metric.label = f.String("label");
  metric.has_time_granularity = f.Present("time_granularity");
  if (const Json* params = f.Object("type_params")) {
    const std::string at = path + ".type_params";
    Fields p(*params, at, status);
    if (const Json* measure = p.Object("measure")) {
      metric.measure = Fields(*measure, at + ".measure", status).String("name");
    }
    for (const char* key : {"numerator", "denominator"}) {
      if (const Json* input = p.Object(key)) {
        metric.inputs.push_back(InputOf(*input, at + "." + key, status));
      }
    }
    p.Each("metrics", [&](const Json& item, const std::string& item_path) {
      metric.inputs.push_back(InputOf(item, item_path, status));
    });
    metric.has_conversion_params = p.Present("conversion_type_params");
    metric.is_private = p.Present("is_private") && p.Bool("is_private");
  }
  return metric;
}

ManifestSavedQuery SavedQueryOf(const Json& json, const std::string& path,
                                absl::Status* status) {
  Fields f(json, path, status);
  ManifestSavedQuery saved;
  saved.name = f.String("name");
  saved.description = f.String("description");
  saved.label = f.String("label");
  if (const Json* params = f.Object("query_params")) {
    const std::string at = path + ".query_params";
    Fields p(*params, at, status);
    saved.metrics = p.Strings("metrics");
    saved.group_by = p.Strings("group_by");
    if (const Json* where = p.Object("where")) {
      Fields(*where, at + ".where", status)
          .Each("where_filters", [&](const Json& item, const std::string& w) {
            saved.where.push_back(
                Fields(item, w, status).String("where_sql_template"));
          });
    }
  }
  return saved;
}

absl::StatusOr<SemanticManifest> ManifestOf(const Json& json) {
  absl::Status status;
  Fields f(json, "", &status);
  SemanticManifest manifest;
  f.Each("semantic_models", [&](const Json& item, const std::string& at) {
    manifest.models.push_back(ModelOf(item, at, &status));
  });
  f.Each("metrics", [&](const Json& item, const std::string& at) {
    manifest.metrics.push_back(MetricOf(item, at, &status));
  });
  f.Each("saved_queries", [&](const Json& item, const std::string& at) {
    manifest.saved_queries.push_back(SavedQueryOf(item, at, &status));
  });
  if (const Json* config = f.Object("project_configuration")) {
    Fields(*config, "project_configuration", &status)
        .Each("time_spines", [&](const Json& item, const std::string& at) {
          Fields spine(item, at, &status);
          spine.Each("custom_granularities",
                     [&](const Json&, const std::string&) {
                       manifest.has_custom_granularities = true;
                     });
        });
  }
  if (!status.ok()) return status;
  return manifest;
}

}  // namespace

absl::StatusOr<SemanticManifest> ParseSemanticManifest(absl::string_view json) {
  absl::StatusOr<Json> parsed = ParseJson(
      json, {.max_bytes = kMaxManifestBytes, .max_depth = kMaxManifestDepth});
  if (!parsed.ok()) return parsed.status();
  try {
    return ManifestOf(*parsed);
  } catch (const std::exception& error) {
    return absl::InternalError(
        absl::StrCat("reading the semantic manifest: ", error.what()));
  }
}

}  // namespace mfgate::manifest
