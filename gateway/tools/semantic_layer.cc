#include "gateway/tools/semantic_layer.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/tools/worker_call.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

constexpr char kMetricUri[] = "metricflow://metric/";
constexpr char kSavedQueryUri[] = "metricflow://saved-query/";
constexpr char kSemanticModelUri[] = "metricflow://semantic-model/";
// Most completion values returned at once.
constexpr size_t kMaxCompletions = 100;

template <typename Repeated>
json Strings(const Repeated& items) {
  return json(std::vector<std::string>(items.begin(), items.end()));
}

json Contents(const std::string& uri, const json& body) {
  return {{"contents",
           {{{"uri", uri},
             {"mimeType", "application/json"},
             {"text", body.dump(2)}}}}};
}

json UserText(const std::string& text) {
  return {{"role", "user"}, {"content", {{"type", "text"}, {"text", text}}}};
}

json NextCall(const char* tool, json arguments) {
  return {{"tool", tool}, {"arguments", std::move(arguments)}};
}

// The calls that take a model on from a metric's definition: its monthly
// trend, and the values of its first categorical dimension.
json MetricNextCalls(const std::string& metric,
                     const v1::ListDimensionsResponse& dimensions) {
  json calls = json::array({NextCall(
      "query", {{"metrics", {metric}},
                {"group_by", {{{"name", "metric_time"}, {"grain", "month"}}}},
                {"order", {"metric_time__month"}}})});
  for (const v1::Dimension& d : dimensions.dimensions()) {
    if (d.type() != "CATEGORICAL") continue;
    calls.push_back(NextCall("list_dimension_values",
                             {{"dimension", d.name()}, {"metrics", {metric}}}));
    calls.push_back(NextCall("query", {{"metrics", {metric}},
                                       {"group_by", {d.name()}},
                                       {"order", {"-" + metric}},
                                       {"limit", 10}}));
    break;
  }
  return calls;
}

}  // namespace

SemanticLayer::SemanticLayer(std::shared_ptr<v1::Worker::StubInterface> worker,
                             absl::Duration timeout)
    : worker_(std::move(worker)), timeout_(timeout) {}

template <typename Request, typename Response>
absl::StatusOr<Response> SemanticLayer::Ask(
    grpc::Status (v1::Worker::StubInterface::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
    const Request& request) const {
  return CallWorker(worker_.get(), method, request, timeout_, true);
}

absl::StatusOr<v1::ListMetricsResponse> SemanticLayer::Metrics() const {
  return Ask(&v1::Worker::StubInterface::ListMetrics, v1::ListMetricsRequest());
}

absl::StatusOr<v1::ListSavedQueriesResponse> SemanticLayer::SavedQueries()
    const {
  return Ask(&v1::Worker::StubInterface::ListSavedQueries,
             v1::ListSavedQueriesRequest());
}

absl::StatusOr<v1::ListSemanticModelsResponse> SemanticLayer::SemanticModels()
    const {
  return Ask(&v1::Worker::StubInterface::ListSemanticModels,
             v1::ListSemanticModelsRequest());
}

absl::StatusOr<v1::ListDimensionsResponse> SemanticLayer::Dimensions(
    const std::string& metric) const {
  v1::ListDimensionsRequest request;
  if (!metric.empty()) request.add_metrics(metric);
  return Ask(&v1::Worker::StubInterface::ListDimensions, request);
}

absl::StatusOr<json> SemanticLayer::ListResources() const {
  auto metrics = Metrics();
  if (!metrics.ok()) return metrics.status();
  auto saved = SavedQueries();
  if (!saved.ok()) return saved.status();
  json resources = json::array();
  for (const v1::Metric& m : metrics->metrics()) {
    resources.push_back({{"uri", kMetricUri + m.name()},
                         {"name", m.name()},
                         {"title", m.label().empty() ? m.name() : m.label()},
                         {"description", m.description().empty()
                                             ? absl::StrCat(m.type(), " metric")
                                             : m.description()},
                         {"mimeType", "application/json"}});
  }
  auto models = SemanticModels();
  if (!models.ok()) return models.status();
  for (const v1::SemanticModel& m : models->semantic_models()) {
    resources.push_back(
        {{"uri", kSemanticModelUri + m.name()},
         {"name", m.name()},
         {"description",
          m.description().empty() ? "semantic model" : m.description()},
         {"mimeType", "application/json"}});
  }
  for (const v1::SavedQuery& q : saved->saved_queries()) {
    resources.push_back(
        {{"uri", kSavedQueryUri + q.name()},
         {"name", q.name()},
         {"description",
          q.description().empty() ? "saved query" : q.description()},
         {"mimeType", "application/json"}});
  }
  return resources;
}

json SemanticLayer::ListResourceTemplates() const {
  return json::array(
      {{{"uriTemplate", absl::StrCat(kMetricUri, "{name}")},
        {"name", "metric"},
        {"description", "A metric's definition and every dimension it accepts"},
        {"mimeType", "application/json"}},
       {{"uriTemplate", absl::StrCat(kSemanticModelUri, "{name}")},
        {"name", "semantic-model"},
        {"description",
         "A semantic model's table, entities, dimensions and measures"},
        {"mimeType", "application/json"}},
       {{"uriTemplate", absl::StrCat(kSavedQueryUri, "{name}")},
        {"name", "saved-query"},
        {"description", "A saved query's metrics, group-bys and filters"},
        {"mimeType", "application/json"}}});
}

absl::StatusOr<json> SemanticLayer::ReadResource(const std::string& uri) const {
  absl::string_view name = uri;
  if (absl::ConsumePrefix(&name, kMetricUri)) {
    auto metrics = Metrics();
    if (!metrics.ok()) return metrics.status();
    for (const v1::Metric& m : metrics->metrics()) {
      if (m.name() != name) continue;
      auto dimensions = Dimensions(m.name());
      if (!dimensions.ok()) return dimensions.status();
      json dims = json::array();
      for (const v1::Dimension& d : dimensions->dimensions()) {
        dims.push_back({{"name", d.name()},
                        {"type", d.type()},
                        {"description", d.description()},
                        {"granularities", Strings(d.granularities())}});
      }
      return Contents(uri,
                      {{"name", m.name()},
                       {"type", m.type()},
                       {"label", m.label()},
                       {"description", m.description()},
                       {"dimensions", dims},
                       {"next_calls", MetricNextCalls(m.name(), *dimensions)}});
    }
  } else if (absl::ConsumePrefix(&name, kSemanticModelUri)) {
    auto models = SemanticModels();
    if (!models.ok()) return models.status();
    for (const v1::SemanticModel& m : models->semantic_models()) {
      if (m.name() != name) continue;
      return Contents(uri, {{"name", m.name()},
                            {"description", m.description()},
                            {"relation", m.relation()},
                            {"entities", Strings(m.entities())},
                            {"dimensions", Strings(m.dimensions())},
                            {"measures", Strings(m.measures())}});
    }
  } else if (absl::ConsumePrefix(&name, kSavedQueryUri)) {
    auto saved = SavedQueries();
    if (!saved.ok()) return saved.status();
    for (const v1::SavedQuery& q : saved->saved_queries()) {
      if (q.name() != name) continue;
      return Contents(
          uri,
          {{"name", q.name()},
           {"description", q.description()},
           {"metrics", Strings(q.metrics())},
           {"group_by", Strings(q.group_by())},
           {"where", Strings(q.where())},
           {"next_calls",
            {NextCall("query", {{"saved_query", q.name()}, {"limit", 20}})}}});
    }
  }
  return absl::NotFoundError(absl::StrCat("Resource not found: ", uri));
}

json SemanticLayer::ListPrompts() const {
  auto argument = [](const char* name, const char* description, bool required) {
    return json{
        {"name", name}, {"description", description}, {"required", required}};
  };
  return json::array(
      {{{"name", "explore_metric"},
        {"title", "Explore a metric"},
        {"description",
         "Understand one metric: its definition, dimensions and recent trend."},
        {"arguments", {argument("metric", "The metric to explore", true)}}},
       {{"name", "compare_periods"},
        {"title", "Compare periods"},
        {"description",
         "Compare a metric between periods, broken down by one dimension."},
        {"arguments",
         {argument("metric", "The metric to compare", true),
          argument("grain", "day, week, month, quarter or year (default month)",
                   false),
          argument("dimension", "A dimension to break the comparison down by",
                   false)}}}});
}

absl::StatusOr<json> SemanticLayer::GetPrompt(const std::string& name,
                                              const json& arguments) const {
  auto text = [&arguments](const char* key,
                           const char* fallback) -> std::string {
    if (arguments.is_object() && arguments.contains(key) &&
        arguments[key].is_string()) {
      return arguments[key].get<std::string>();
    }
    return fallback;
  };
  const std::string metric = text("metric", "");
  if ((name == "explore_metric" || name == "compare_periods") &&
      metric.empty()) {
    return absl::InvalidArgumentError("the argument \"metric\" is required");
  }
  if (name == "explore_metric") {
    return json{
        {"description", "Explore " + metric},
        {"messages",
         {UserText(absl::StrCat(
             "Explore the metric '", metric, "'.\n",
             "1. Read its definition (resource ", kMetricUri, metric,
             ", which lists its dimensions and next calls) or call "
             "list_dimensions {\"metrics\": [\"",
             metric, "\"]}.\n", "2. See its trend: query {\"metrics\": [\"",
             metric,
             "\"], \"group_by\": [{\"name\": \"metric_time\", \"grain\": "
             "\"month\"}], \"order\": [\"metric_time__month\"]}.\n",
             "3. See where it comes from: pick the most telling categorical "
             "dimension D from step 1, call list_dimension_values "
             "{\"dimension\": D, \"metrics\": [\"",
             metric,
             "\"]} if you need exact values for a filter, then query "
             "{\"metrics\": [\"",
             metric, "\"], \"group_by\": [D], \"order\": [\"-", metric,
             "\"], \"limit\": 10}.\n",
             "Dates in filters and start_time/end_time are ISO-8601 "
             "(\"2024-01-01\"). Summarize what you find and say which query "
             "produced each figure."))}}};
  }
  if (name == "compare_periods") {
    const std::string grain = text("grain", "month");
    const std::string dimension = text("dimension", "");
    return json{
        {"description", absl::StrCat("Compare ", metric, " by ", grain)},
        {"messages",
         {UserText(absl::StrCat(
             "Compare the metric '", metric, "' between the last two complete ",
             grain, "s. Call query {\"metrics\": [\"", metric,
             "\"], \"group_by\": [\"metric_time__", grain, "\"",
             dimension.empty() ? "" : absl::StrCat(", \"", dimension, "\""),
             "], \"order\": [\"-metric_time__", grain, "\"], \"limit\": ",
             dimension.empty() ? "3" : "100", "} (grouped by metric_time__",
             grain, dimension.empty() ? "" : absl::StrCat(" and ", dimension),
             ", ordered by -metric_time__", grain,
             ": the newest first, the current one possibly incomplete). "
             "Report both values, the absolute and relative change",
             dimension.empty() ? ""
                               : ", and which values of the dimension drove it",
             "."))}}};
  }
  return absl::NotFoundError(absl::StrCat("unknown prompt ", name));
}

json SemanticLayer::Complete(const json& ref, const json& argument) const {
  const std::string prefix = argument.value("value", "");
  const std::string argument_name = argument.value("name", "");
  std::vector<std::string> candidates;
  if (argument_name == "dimension") {
    if (auto dimensions = Dimensions(""); dimensions.ok()) {
      for (const v1::Dimension& d : dimensions->dimensions())
        candidates.push_back(d.name());
    }
  } else if (argument_name == "metric" ||
             (ref.value("type", "") == "ref/resource" &&
              argument_name == "name")) {
    if (auto metrics = Metrics(); metrics.ok()) {
      for (const v1::Metric& m : metrics->metrics())
        candidates.push_back(m.name());
    }
  }
  json values = json::array();
  size_t matches = 0;
  for (const std::string& candidate : candidates) {
    if (!absl::StartsWith(candidate, prefix)) continue;
    if (++matches <= kMaxCompletions) values.push_back(candidate);
  }
  return {{"values", values},
          {"total", matches},
          {"hasMore", matches > kMaxCompletions}};
}

}  // namespace mfgate::tools
