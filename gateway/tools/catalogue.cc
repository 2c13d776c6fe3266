#include "gateway/tools/catalogue.h"

#include "absl/strings/match.h"
#include "gateway/tools/descriptions.h"
#include "gateway/tools/schemas.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using Type = ArgSpec::Type;
namespace d = descriptions;

ArgSpec Arg(std::string name, Type type, std::string description,
            json example) {
  ArgSpec arg;
  arg.name = std::move(name);
  arg.type = type;
  arg.description = std::move(description);
  arg.example = std::move(example);
  return arg;
}

ArgSpec Required(ArgSpec arg) {
  arg.required = true;
  return arg;
}

ArgSpec Names(ArgSpec arg) {
  arg.lower_case = true;
  return arg;
}

ArgSpec Range(ArgSpec arg, long long min, long long max) {
  arg.min = min;
  arg.max = max;
  return arg;
}

ArgSpec Metrics(const char* description) {
  return Names(Arg("metrics", Type::kStringList, description, {"revenue"}));
}

ArgSpec Search() {
  return Arg("search", Type::kSearch, d::kSearchArg, "revenue");
}

// The response budget and paging every tool takes (budget.h).
void AddPaging(std::vector<ArgSpec>* args) {
  ArgSpec budget = Range(
      Arg("max_response_chars", Type::kInteger, d::kMaxResponseCharsArg, 8000),
      kMinResponseChars, kMaxResponseChars);
  budget.tenant_bound = ArgSpec::TenantBound::kResponseChars;
  args->push_back(budget);
  args->push_back(Arg("cursor", Type::kString, d::kCursorArg, "40.3f9a1c2e"));
}

std::vector<ArgSpec> QueryArgs(bool with_explain) {
  ArgSpec order = Names(
      Arg("order", Type::kOrderList, d::kOrderArg, {"-metric_time__month"}));
  order.aliases = {{Naming::kDbtMcp, "order_by"}};
  order.worker_field = "order_by";
  ArgSpec limit =
      Range(Arg("limit", Type::kInteger, d::kLimitArg, 10), 1, kMaxRows);
  limit.tenant_bound = ArgSpec::TenantBound::kRows;
  std::vector<ArgSpec> args = {
      Metrics(d::kMetricsArg),
      Names(Arg("group_by", Type::kGroupByList, d::kGroupByArg,
                json::array({{{"name", "metric_time"}, {"grain", "month"}}}))),
      Arg("start_time", Type::kTime, d::kStartTimeArg, "2024-01-01"),
      Arg("end_time", Type::kTime, d::kEndTimeArg, "2024-12-31"),
      Arg("where", Type::kWhere, d::kWhereArg,
          "{{ TimeDimension('metric_time', 'day') }} >= '2024-01-01'"),
      order,
      limit,
      Names(Arg("saved_query", Type::kString, d::kSavedQueryArg,
                "revenue_by_city")),
  };
  if (with_explain) {
    args.push_back(Arg("explain", Type::kBoolean, d::kExplainArg, true));
  }
  args.push_back(Arg("show_dataflow_plan", Type::kBoolean,
                     "Also return MetricFlow's dataflow plan. Example: true",
                     true));
  args.push_back(Arg("show_sql_descriptions", Type::kBoolean,
                     "Keep MetricFlow's explanatory comments in the SQL. "
                     "Example: true",
                     true));
  if (with_explain) {
    args.push_back(
        Arg("session_id", Type::kString,
            "Accepted for compatibility with mcp-metricflow; ignored. "
            "Example: \"s1\"",
            "s1"));
  }
  AddPaging(&args);
  return args;
}

std::vector<ArgSpec> WithPaging(std::vector<ArgSpec> args) {
  AddPaging(&args);
  return args;
}

std::vector<ToolSpec> Build() {
  std::vector<ToolSpec> tools = {
      {"query",
       "Query metrics",
       d::kQuery,
       QueryArgs(true),
       schemas::QueryOutput(),
       false,
       {{Naming::kDbtMcp, "query_metrics"},
        {Naming::kMcpMetricflow, "query_tool"}},
       {{"metrics", {"revenue"}},
        {"group_by", {{{"name", "metric_time"}, {"grain", "month"}}}},
        {"order", {"-metric_time__month"}},
        {"limit", 12}}},
      {"compile_sql",
       "Compile a query to SQL",
       d::kCompileSql,
       QueryArgs(false),
       schemas::QueryOutput(),
       false,
       {{Naming::kDbtMcp, "get_metrics_compiled_sql"}},
       {{"metrics", {"revenue"}}, {"group_by", {"metric_time__week"}}}},
      {"list_metrics",
       "List metrics",
       d::kListMetrics,
       WithPaging(
           {Search(),
            Arg("show_all_dimensions", Type::kBoolean,
                "List every dimension of each metric. Example: true", true)}),
       schemas::ListOutput("metrics", schemas::MetricItem()),
       true,
       {{Naming::kMcpMetricflow, "list_metrics_tool"}},
       {{"search", {"revenue", "order"}}}},
      {"list_dimensions",
       "List dimensions",
       d::kListDimensions,
       WithPaging({Metrics(d::kMetricsContextArg), Search()}),
       schemas::ListOutput("dimensions", schemas::DimensionItem()),
       true,
       {{Naming::kDbtMcp, "get_dimensions"},
        {Naming::kMcpMetricflow, "list_dimensions_tool"}},
       {{"metrics", {"revenue"}}, {"search", "region"}}},
      {"list_entities",
       "List entities",
       d::kListEntities,
       WithPaging({Metrics(d::kMetricsContextArg), Search()}),
       schemas::ListOutput("entities", schemas::EntityItem()),
       true,
       {{Naming::kDbtMcp, "get_entities"},
        {Naming::kMcpMetricflow, "list_entities_tool"}},
       {{"metrics", {"revenue"}}}},
      {"list_dimension_values",
       "List dimension values",
       d::kListDimensionValues,
       WithPaging(
           {Required(Names(Arg("dimension", Type::kString, d::kDimensionArg,
                               "customer__region"))),
            Metrics(d::kMetricsContextArg),
            Arg("start_time", Type::kTime, d::kStartTimeArg, "2024-01-01"),
            Arg("end_time", Type::kTime, d::kEndTimeArg, "2024-12-31"),
            Search(),
            Range(Arg("limit", Type::kInteger, d::kValuesLimitArg, 20), 1,
                  10000)}),
       schemas::DimensionValuesOutput(),
       false,
       {{Naming::kDbtMcp, "get_dimension_values"},
        {Naming::kMcpMetricflow, "list_dimension_values_tool"}},
       {{"dimension", "customer__region"},
        {"metrics", {"revenue"}},
        {"search", "eu"}}},
      {"list_saved_queries",
       "List saved queries",
       d::kListSavedQueries,
       WithPaging({Search()}),
       schemas::ListOutput("saved_queries", schemas::SavedQueryItem()),
       true,
       {},
       {{"search", "revenue"}}},
      {"validate_configs",
       "Validate the semantic layer",
       d::kValidateConfigs,
       WithPaging(
           {Range(Arg("dw_timeout", Type::kInteger,
                      "Seconds per warehouse check. Example: 30", 30),
                  1, 3600),
            Arg("skip_dw", Type::kBoolean,
                "Skip the data warehouse validations. Example: true", true),
            Arg("show_all", Type::kBoolean,
                "Also list warnings and future errors. Example: true", true),
            Arg("verbose_issues", Type::kBoolean,
                "More detail per issue. Example: true", true),
            Range(
                Arg("semantic_validation_workers", Type::kInteger,
                    "Parallel workers for semantic validation. Example: 4", 4),
                1, 64)}),
       schemas::ValidateConfigsOutput(),
       false,
       {{Naming::kMcpMetricflow, "validate_configs_tool"}},
       {{"skip_dw", true}}},
      {"health_checks",
       "Check the warehouse",
       d::kHealthChecks,
       WithPaging({}),
       schemas::HealthChecksOutput(),
       false,
       {{Naming::kMcpMetricflow, "health_checks_tool"}},
       json::object()},
  };
  return tools;
}

}  // namespace

bool IsGrain(absl::string_view word) {
  for (absl::string_view grain : kGrains) {
    if (grain == word) return true;
  }
  return false;
}

bool ParseNaming(absl::string_view text, Naming* naming) {
  static constexpr std::pair<absl::string_view, Naming> kNamings[] = {
      {"mfgate", Naming::kMfgate},
      {"dbt-mcp", Naming::kDbtMcp},
      {"mcp-metricflow", Naming::kMcpMetricflow}};
  for (const auto& [name, value] : kNamings) {
    if (text == name) {
      *naming = value;
      return true;
    }
  }
  return false;
}

const std::vector<ToolSpec>& Catalogue() {
  static const std::vector<ToolSpec>* const kCatalogue =
      new std::vector<ToolSpec>(Build());
  return *kCatalogue;
}

const ToolSpec* FindTool(absl::string_view name) {
  for (const ToolSpec& spec : Catalogue()) {
    if (spec.name == name) return &spec;
    for (const Alias& alias : spec.aliases) {
      if (alias.name == name) return &spec;
    }
  }
  return nullptr;
}

const ArgSpec* FindArg(const ToolSpec& spec, absl::string_view name) {
  for (const ArgSpec& arg : spec.args) {
    if (arg.name == name) return &arg;
    for (const Alias& alias : arg.aliases) {
      if (alias.name == name) return &arg;
    }
  }
  return nullptr;
}

namespace {
template <typename Spec>
const std::string& NamedIn(const Spec& spec, Naming naming) {
  for (const Alias& alias : spec.aliases) {
    if (alias.naming == naming) return alias.name;
  }
  return spec.name;
}
}  // namespace

const std::string& NameIn(const ToolSpec& spec, Naming naming) {
  return NamedIn(spec, naming);
}

const std::string& NameIn(const ArgSpec& arg, Naming naming) {
  return NamedIn(arg, naming);
}

}  // namespace mfgate::tools
