#include "gateway/tools/results.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/field_error.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

json Result(std::string text, json structured) {
  return json{{"content", {{{"type", "text"}, {"text", std::move(text)}}}},
              {"structuredContent", std::move(structured)},
              {"isError", false}};
}

std::string Cell(const json& value) {
  if (value.is_null()) return "NULL";
  std::string text = value.is_string() ? value.get<std::string>()
                     : value.is_number_float()
                         ? absl::StrFormat("%.10g", value.get<double>())
                         : value.dump();
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}, {"\r", " "}});
}

std::string Table(const json& columns, const json& rows) {
  std::string header = "|", rule = "|";
  for (const json& column : columns) {
    absl::StrAppend(&header, " ", Cell(column["name"]), " |");
    absl::StrAppend(&rule, " --- |");
  }
  std::string table = absl::StrCat(header, "\n", rule, "\n");
  int shown = 0;
  for (const json& row : rows) {
    if (shown++ == kTableRows) break;
    table += "|";
    for (const json& value : row)
      absl::StrAppend(&table, " ", Cell(value), " |");
    table += "\n";
  }
  if (rows.size() > static_cast<size_t>(kTableRows)) {
    absl::StrAppend(&table, "... ", rows.size() - kTableRows,
                    " more rows in structuredContent\n");
  }
  return table;
}

template <typename Repeated>
json Strings(const Repeated& items) {
  return json(std::vector<std::string>(items.begin(), items.end()));
}

}  // namespace

json ValueToJson(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kBoolValue:
      return value.bool_value();
    case v1::Value::kIntValue:
      return value.int_value();
    case v1::Value::kDoubleValue:
      return value.double_value();
    case v1::Value::kStringValue:
      return value.string_value();
    case v1::Value::kTimeValue:
      return value.time_value();
    default:
      return nullptr;
  }
}

json ErrorResult(const absl::Status& status) {
  std::string text(status.message());
  if (status.code() == absl::StatusCode::kUnavailable) {
    text = absl::StrCat(
        "The MetricFlow worker for this project is unavailable: ", text);
  } else if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    text = absl::StrCat("The request timed out: ", text);
  } else if (status.code() == absl::StatusCode::kCancelled) {
    text = absl::StrCat("The request was cancelled: ", text);
  }
  const std::string field = ErrorField(status);
  if (!field.empty() && text.find(field) == std::string::npos) {
    text = absl::StrCat(field, ": ", text);
  }
  std::vector<std::string> suggestions = ErrorSuggestions(status);
  if (!suggestions.empty()) {
    absl::StrAppend(&text, "\nDid you mean: ", absl::StrJoin(suggestions, ", "),
                    "?");
  }
  return json{{"content", {{{"type", "text"}, {"text", text}}}},
              {"isError", true}};
}

json QueryResult(const v1::QueryResponse& response, bool sql_only) {
  json columns = json::array(), rows = json::array();
  for (const v1::Column& column : response.columns()) {
    columns.push_back({{"name", column.name()}, {"type", column.type()}});
  }
  for (const v1::Row& row : response.rows()) {
    json values = json::array();
    for (const v1::Value& value : row.values())
      values.push_back(ValueToJson(value));
    rows.push_back(std::move(values));
  }
  json structured{{"columns", columns},
                  {"rows", rows},
                  {"row_count", rows.size()},
                  {"truncated", response.truncated()},
                  {"sql", response.sql()}};
  if (!response.dataflow_plan().empty())
    structured["dataflow_plan"] = response.dataflow_plan();
  std::string text;
  if (sql_only) {
    text = absl::StrCat("```sql\n", response.sql(), "\n```\n");
  } else {
    text = absl::StrCat(
        Table(columns, rows), rows.size(), rows.size() == 1 ? " row" : " rows",
        response.truncated() ? " (truncated by the row or size cap)" : "",
        "\n");
  }
  if (!response.dataflow_plan().empty()) {
    absl::StrAppend(&text, "\nDataflow plan:\n", response.dataflow_plan(),
                    "\n");
  }
  return Result(std::move(text), std::move(structured));
}

json ListMetricsResult(const v1::ListMetricsResponse& response) {
  json metrics = json::array();
  std::string text = absl::StrCat(response.metrics_size(), " metrics:\n");
  for (const v1::Metric& m : response.metrics()) {
    metrics.push_back({{"name", m.name()},
                       {"type", m.type()},
                       {"description", m.description()},
                       {"label", m.label()},
                       {"dimensions", Strings(m.dimensions())}});
    absl::StrAppend(
        &text, "- ", m.name(),
        m.type().empty() ? "" : absl::StrCat(" (", m.type(), ")"),
        m.description().empty() ? "" : absl::StrCat(": ", m.description()),
        m.dimensions().empty()
            ? ""
            : absl::StrCat(" — dimensions: ",
                           absl::StrJoin(m.dimensions(), ", ")),
        "\n");
  }
  return Result(std::move(text), {{"metrics", metrics}});
}

json ListDimensionsResult(const v1::ListDimensionsResponse& response) {
  json dimensions = json::array();
  std::string text = absl::StrCat(response.dimensions_size(), " dimensions:\n");
  for (const v1::Dimension& d : response.dimensions()) {
    dimensions.push_back({{"name", d.name()},
                          {"qualified_name", d.qualified_name()},
                          {"type", d.type()},
                          {"description", d.description()},
                          {"granularities", Strings(d.granularities())}});
    absl::StrAppend(
        &text, "- ", d.name(),
        d.type().empty() ? "" : absl::StrCat(" (", d.type(), ")"),
        d.granularities().empty()
            ? ""
            : absl::StrCat(" grains: ", absl::StrJoin(d.granularities(), ", ")),
        "\n");
  }
  return Result(std::move(text), {{"dimensions", dimensions}});
}

json ListEntitiesResult(const v1::ListEntitiesResponse& response) {
  json entities = json::array();
  std::string text = absl::StrCat(response.entities_size(), " entities:\n");
  for (const v1::Entity& e : response.entities()) {
    entities.push_back({{"name", e.name()},
                        {"type", e.type()},
                        {"description", e.description()}});
    absl::StrAppend(&text, "- ", e.name(),
                    e.type().empty() ? "" : absl::StrCat(" (", e.type(), ")"),
                    "\n");
  }
  return Result(std::move(text), {{"entities", entities}});
}

json ListDimensionValuesResult(
    const v1::ListDimensionValuesResponse& response) {
  json values = json::array();
  std::vector<std::string> shown;
  for (const v1::Value& value : response.values()) {
    values.push_back(ValueToJson(value));
    shown.push_back(Cell(values.back()));
  }
  return Result(
      absl::StrCat(response.values_size(), " values of ", response.dimension(),
                   ": ", absl::StrJoin(shown, ", ")),
      {{"dimension", response.dimension()}, {"values", values}});
}

json ListSavedQueriesResult(const v1::ListSavedQueriesResponse& response) {
  json saved = json::array();
  std::string text =
      absl::StrCat(response.saved_queries_size(), " saved queries:\n");
  for (const v1::SavedQuery& q : response.saved_queries()) {
    saved.push_back({{"name", q.name()},
                     {"description", q.description()},
                     {"label", q.label()},
                     {"metrics", Strings(q.metrics())},
                     {"group_by", Strings(q.group_by())},
                     {"where", Strings(q.where())}});
    absl::StrAppend(
        &text, "- ", q.name(),
        q.description().empty() ? "" : absl::StrCat(": ", q.description()),
        " (metrics: ", absl::StrJoin(q.metrics(), ", "), ")\n");
  }
  return Result(std::move(text), {{"saved_queries", saved}});
}

json ValidateConfigsResult(const v1::ValidateConfigsResponse& response) {
  json issues = json::array();
  std::string text = absl::StrCat(response.ok() ? "Valid" : "Invalid", ": ",
                                  response.summary(), "\n");
  for (const v1::ValidationIssue& i : response.issues()) {
    issues.push_back({{"level", i.level()},
                      {"message", i.message()},
                      {"context", i.context()}});
    absl::StrAppend(&text, "- ", i.level(), ": ",
                    i.context().empty() ? "" : absl::StrCat(i.context(), " - "),
                    i.message(), "\n");
  }
  return Result(std::move(text), {{"ok", response.ok()},
                                  {"issues", issues},
                                  {"summary", response.summary()}});
}

json HealthChecksResult(const v1::HealthChecksResponse& response) {
  json checks = json::array();
  std::string text;
  for (const v1::HealthCheck& c : response.checks()) {
    checks.push_back(
        {{"name", c.name()}, {"ok", c.ok()}, {"detail", c.detail()}});
    absl::StrAppend(&text, c.ok() ? "OK   " : "FAIL ", c.name(),
                    c.detail().empty() ? "" : absl::StrCat(": ", c.detail()),
                    "\n");
  }
  return Result(text.empty() ? "no checks ran" : text, {{"checks", checks}});
}

}  // namespace mfgate::tools
