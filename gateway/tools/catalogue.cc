#include "gateway/tools/catalogue.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "gateway/tools/descriptions.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using Type = ArgSpec::Type;

json ListOf(json item) {
  return json{{"type", "array"}, {"items", std::move(item)}};
}
json Obj(json properties, json required = json::array()) {
  return json{{"type", "object"},
              {"properties", std::move(properties)},
              {"required", std::move(required)}};
}
const json kString = {{"type", "string"}};

json QueryOutput() {
  json cell = {{"type", {"string", "number", "integer", "boolean", "null"}}};
  return Obj({{"columns", ListOf(Obj({{"name", kString}, {"type", kString}},
                                     {"name", "type"}))},
              {"rows", ListOf(ListOf(cell))},
              {"row_count", {{"type", "integer"}}},
              {"truncated", {{"type", "boolean"}}},
              {"sql", kString},
              {"dataflow_plan", kString}},
             {"columns", "rows", "row_count", "truncated"});
}

std::vector<ArgSpec> QueryArgs(bool with_explain) {
  std::vector<ArgSpec> args = {
      {"metrics", Type::kStringList, false, "Metric names to query."},
      {"group_by", Type::kStringList, false,
       "Dimensions or entities to group by, e.g. metric_time__month, "
       "customer__region."},
      {"start_time", Type::kString, false,
       "ISO-8601 start of metric_time (inclusive)."},
      {"end_time", Type::kString, false,
       "ISO-8601 end of metric_time (inclusive)."},
      {"where", Type::kString, false,
       "Filter using {{ Dimension('...') }}, {{ TimeDimension('...', 'grain') "
       "}}, "
       "{{ Entity('...') }} references."},
      {"order", Type::kStringList, false,
       "Names from metrics or group_by; prefix with - for descending."},
      {"limit", Type::kInteger, false, "Rows to return (default 100).", 1,
       10000},
      {"saved_query", Type::kString, false,
       "A saved query to run instead of metrics."},
  };
  if (with_explain) {
    args.push_back({"explain", Type::kBoolean, false,
                    "Return the SQL without running it."});
  }
  args.push_back({"show_dataflow_plan", Type::kBoolean, false,
                  "Also return MetricFlow's dataflow plan."});
  args.push_back({"show_sql_descriptions", Type::kBoolean, false,
                  "Keep MetricFlow's explanatory comments in the SQL."});
  if (with_explain) {
    args.push_back(
        {"session_id", Type::kString, false,
         "Accepted for compatibility with mcp-metricflow; ignored."});
  }
  return args;
}

std::vector<ToolSpec> Build() {
  const std::vector<ArgSpec> metrics_only = {
      {"metrics", Type::kStringList, false,
       "Metric names (all metrics when omitted)."}};
  json dimension = Obj({{"name", kString},
                        {"qualified_name", kString},
                        {"type", kString},
                        {"description", kString},
                        {"granularities", ListOf(kString)}},
                       {"name"});
  json named =
      Obj({{"name", kString}, {"type", kString}, {"description", kString}},
          {"name"});
  return {
      {"query", "Query metrics", descriptions::kQuery, QueryArgs(true),
       QueryOutput()},
      {"compile_sql", "Compile a query to SQL", descriptions::kCompileSql,
       QueryArgs(false), QueryOutput()},
      {"list_metrics",
       "List metrics",
       descriptions::kListMetrics,
       {{"search", Type::kString, false,
         "Case-insensitive substring of metric names."},
        {"show_all_dimensions", Type::kBoolean, false,
         "List every dimension of each metric."}},
       Obj({{"metrics", ListOf(Obj({{"name", kString},
                                    {"type", kString},
                                    {"description", kString},
                                    {"label", kString},
                                    {"dimensions", ListOf(kString)}},
                                   {"name"}))}},
           {"metrics"}),
       true},
      {"list_dimensions", "List dimensions", descriptions::kListDimensions,
       metrics_only, Obj({{"dimensions", ListOf(dimension)}}, {"dimensions"}),
       true},
      {"list_entities", "List entities", descriptions::kListEntities,
       metrics_only, Obj({{"entities", ListOf(named)}}, {"entities"}), true},
      {"list_dimension_values",
       "List dimension values",
       descriptions::kListDimensionValues,
       {{"dimension", Type::kString, true,
         "The dimension, e.g. customer__region."},
        {"metrics", Type::kStringList, true, "Metrics giving the context."},
        {"start_time", Type::kString, false, "ISO-8601 start of metric_time."},
        {"end_time", Type::kString, false, "ISO-8601 end of metric_time."}},
       Obj({{"dimension", kString},
            {"values",
             ListOf({{"type",
                      {"string", "number", "integer", "boolean", "null"}}})}},
           {"dimension", "values"})},
      {"list_saved_queries",
       "List saved queries",
       descriptions::kListSavedQueries,
       {},
       Obj({{"saved_queries", ListOf(Obj({{"name", kString},
                                          {"description", kString},
                                          {"label", kString},
                                          {"metrics", ListOf(kString)},
                                          {"group_by", ListOf(kString)},
                                          {"where", ListOf(kString)}},
                                         {"name"}))}},
           {"saved_queries"}),
       true},
      {"validate_configs",
       "Validate the semantic layer",
       descriptions::kValidateConfigs,
       {{"dw_timeout", Type::kInteger, false, "Seconds per warehouse check.", 1,
         3600},
        {"skip_dw", Type::kBoolean, false,
         "Skip the data warehouse validations."},
        {"show_all", Type::kBoolean, false,
         "Also list warnings and future errors."},
        {"verbose_issues", Type::kBoolean, false, "More detail per issue."},
        {"semantic_validation_workers", Type::kInteger, false,
         "Parallel workers for semantic validation.", 1, 64}},
       Obj({{"ok", {{"type", "boolean"}}},
            {"issues", ListOf(Obj({{"level", kString},
                                   {"message", kString},
                                   {"context", kString}},
                                  {"level", "message"}))},
            {"summary", kString}},
           {"ok", "issues"})},
      {"health_checks",
       "Check the warehouse",
       descriptions::kHealthChecks,
       {},
       Obj({{"checks", ListOf(Obj({{"name", kString},
                                   {"ok", {{"type", "boolean"}}},
                                   {"detail", kString}},
                                  {"name", "ok"}))}},
           {"checks"})},
  };
}

json ArgSchema(const ArgSpec& arg) {
  json schema;
  switch (arg.type) {
    case Type::kString:
      schema = {{"type", "string"}};
      break;
    case Type::kStringList:
      schema = ListOf(kString);
      break;
    case Type::kInteger:
      schema = {
          {"type", "integer"}, {"minimum", arg.min}, {"maximum", arg.max}};
      break;
    case Type::kBoolean:
      schema = {{"type", "boolean"}, {"default", false}};
      break;
  }
  schema["description"] = arg.description;
  return schema;
}

}  // namespace

const std::vector<ToolSpec>& Catalogue() {
  static const std::vector<ToolSpec>* const kCatalogue =
      new std::vector<ToolSpec>(Build());
  return *kCatalogue;
}

const ToolSpec* FindTool(const std::string& name) {
  // mcp-metricflow registered its seven tools as <name>_tool.
  static constexpr absl::string_view kAliased[] = {
      "query",         "list_metrics",          "list_dimensions",
      "list_entities", "list_dimension_values", "validate_configs",
      "health_checks"};
  absl::string_view canonical = name;
  if (absl::ConsumeSuffix(&canonical, "_tool") &&
      std::find(std::begin(kAliased), std::end(kAliased), canonical) ==
          std::end(kAliased)) {
    return nullptr;
  }
  for (const ToolSpec& spec : Catalogue()) {
    if (spec.name == canonical) return &spec;
  }
  return nullptr;
}

json ToolListing(const ToolSpec& spec) {
  json properties = json::object();
  json required = json::array();
  for (const ArgSpec& arg : spec.args) {
    properties[arg.name] = ArgSchema(arg);
    if (arg.required) required.push_back(arg.name);
  }
  json input{{"type", "object"},
             {"properties", properties},
             {"additionalProperties", false}};
  if (!required.empty()) input["required"] = required;
  return json{{"name", spec.name},
              {"title", spec.title},
              {"description", spec.description},
              {"inputSchema", input},
              {"outputSchema", spec.output_schema},
              {"annotations",
               {{"title", spec.title},
                {"readOnlyHint", true},
                {"destructiveHint", false},
                {"idempotentHint", true},
                {"openWorldHint", false}}}};
}

}  // namespace mfgate::tools
