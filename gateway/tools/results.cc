#include "gateway/tools/results.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/field_error.h"
#include "common/json_text.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

// A table cell longer than this is cut in the text (structuredContent
// keeps it whole).
constexpr size_t kMaxCellChars = 200;

std::string Cell(const json& value) {
  if (value.is_null()) return "NULL";
  // The common cells first: a query's rows may hold millions.
  if (value.is_number_unsigned()) return absl::StrCat(value.get<uint64_t>());
  if (value.is_number_integer()) return absl::StrCat(value.get<int64_t>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  std::string text = value.is_string() ? value.get<std::string>()
                     : value.is_number_float()
                         ? absl::StrFormat("%.10g", value.get<double>())
                         : JsonText(value);
  if (text.size() > kMaxCellChars) {
    size_t cut = kMaxCellChars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;  // Not inside a UTF-8 sequence.
    text = absl::StrCat(text.substr(0, cut), "...");
  }
  if (text.find_first_of("|\n\r") == std::string::npos) return text;
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}, {"\r", " "}});
}

// A Markdown table's header and rule.
std::string TableHead(const json& columns) {
  std::string header = "|", rule = "|";
  for (const json& column : columns) {
    absl::StrAppend(&header, " ", Cell(column["name"]), " |");
    absl::StrAppend(&rule, " --- |");
  }
  return absl::StrCat(header, "\n", rule, "\n");
}

// One row of a Markdown table.
std::string TableRow(const json& row) {
  std::string line = "|";
  for (const json& value : row) absl::StrAppend(&line, " ", Cell(value), " |");
  line += "\n";
  return line;
}

// "40 metrics" for a whole list, "metrics 21-40 of 57" for a page.
std::string Heading(const std::string& noun, size_t page, size_t offset,
                    size_t total) {
  if (offset == 0 && page == total) return absl::StrCat(total, " ", noun);
  return absl::StrCat(noun, " ", page == 0 ? offset : offset + 1, "-",
                      offset + page, " of ", total);
}

template <typename Repeated>
json Strings(const Repeated& items) {
  return json(std::vector<std::string>(items.begin(), items.end()));
}

// The text of `item`'s `field`, empty when it is absent or empty.
std::string Field(const json& item, const char* field) {
  if (!item.contains(field)) return "";
  const json& value = item[field];
  if (value.is_array()) {
    std::vector<std::string> parts;
    for (const json& part : value) parts.push_back(Cell(part));
    return absl::StrJoin(parts, ", ");
  }
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// A bulleted list of items: "- name (type): description — <extra>".
Content Listing(const char* key, json items, std::vector<std::string> droppable,
                const char* extra_label, const char* extra) {
  Content content;
  content.items_key = key;
  content.items = std::move(items);
  content.droppable = std::move(droppable);
  content.hint = absl::StrCat("Narrow the list with search to see fewer ", key,
                              " at once.");
  const std::string noun = absl::StrReplaceAll(key, {{"_", " "}});
  content.text = [noun, extra_label, extra](const json&, const json& page,
                                            size_t offset, size_t total) {
    std::string text =
        absl::StrCat(Heading(noun, page.size(), offset, total), ":\n");
    for (const json& item : page) {
      const std::string type = Field(item, "type");
      const std::string label = Field(item, "label");
      const std::string description = Field(item, "description");
      const std::string more = Field(item, extra);
      absl::StrAppend(
          &text, "- ", Field(item, "name"),
          type.empty() ? "" : absl::StrCat(" (", type, ")"),
          label.empty() ? "" : absl::StrCat(" \"", label, "\""),
          description.empty() ? "" : absl::StrCat(": ", description),
          more.empty() ? "" : absl::StrCat(" — ", extra_label, ": ", more),
          "\n");
    }
    return text;
  };
  return content;
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

json ErrorResult(const absl::Status& status, const json& example,
                 const std::string& tool) {
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
  if (!field.empty() && !absl::StartsWith(text, field)) {
    text = absl::StrCat(field, ": ", text);
  }
  std::vector<std::string> suggestions = ErrorSuggestions(status);
  if (!suggestions.empty()) {
    absl::StrAppend(&text, "\nDid you mean: ", absl::StrJoin(suggestions, ", "),
                    "?");
  }
  if (example.is_object()) {
    absl::StrAppend(&text, "\nExample (", tool, "): ", example.dump());
  }
  return json{{"content", {{{"type", "text"}, {"text", text}}}},
              {"isError", true}};
}

Content QueryContent(const v1::QueryResponse& response, bool sql_only) {
  Content content;
  json columns = json::array();
  for (const v1::Column& column : response.columns()) {
    columns.push_back({{"name", column.name()}, {"type", column.type()}});
  }
  for (const v1::Row& row : response.rows()) {
    json values = json::array();
    for (const v1::Value& value : row.values())
      values.push_back(ValueToJson(value));
    content.items.push_back(std::move(values));
  }
  content.structured = {{"columns", columns}, {"sql", response.sql()}};
  if (!response.dataflow_plan().empty())
    content.structured["dataflow_plan"] = response.dataflow_plan();
  content.items_key = "rows";
  content.count_key = "row_count";
  // The SQL of a query that ran matters less than its rows.
  content.droppable = sql_only
                          ? std::vector<std::string>{"dataflow_plan"}
                          : std::vector<std::string>{"dataflow_plan", "sql"};
  content.truncated = response.truncated();
  content.hint =
      response.truncated()
          ? "The worker's row or size cap cut the result: narrow the query "
            "(a where filter, a coarser grain such as metric_time__month, "
            "fewer group_by items)."
          : "To see it all at once, narrow the query: a where filter, a "
            "coarser grain (metric_time__month), fewer group_by items, or a "
            "smaller limit.";
  Content::Lines lines;
  lines.head = [sql_only](const json& structured, size_t page, size_t offset,
                          size_t total) {
    if (sql_only) {
      return absl::StrCat("```sql\n", structured.value("sql", ""), "\n```\n");
    }
    return absl::StrCat(
        Heading(total == 1 ? "row" : "rows", page, offset, total), "\n",
        page == 0 ? "" : TableHead(structured["columns"]));
  };
  lines.line = TableRow;
  lines.tail = [](const json& structured) {
    if (!structured.contains("dataflow_plan")) return std::string();
    return absl::StrCat("\nDataflow plan:\n",
                        structured["dataflow_plan"].get<std::string>(), "\n");
  };
  content.lines = std::move(lines);
  return content;
}

Content ListMetricsContent(const v1::ListMetricsResponse& response) {
  json metrics = json::array();
  for (const v1::Metric& m : response.metrics()) {
    metrics.push_back({{"name", m.name()},
                       {"type", m.type()},
                       {"description", m.description()},
                       {"label", m.label()},
                       {"dimensions", Strings(m.dimensions())}});
  }
  return Listing("metrics", std::move(metrics),
                 {"description", "dimensions", "label"}, "dimensions",
                 "dimensions");
}

Content ListDimensionsContent(const v1::ListDimensionsResponse& response) {
  json dimensions = json::array();
  for (const v1::Dimension& d : response.dimensions()) {
    dimensions.push_back({{"name", d.name()},
                          {"qualified_name", d.qualified_name()},
                          {"type", d.type()},
                          {"description", d.description()},
                          {"granularities", Strings(d.granularities())}});
  }
  return Listing("dimensions", std::move(dimensions),
                 {"description", "qualified_name", "granularities"}, "grains",
                 "granularities");
}

Content ListEntitiesContent(const v1::ListEntitiesResponse& response) {
  json entities = json::array();
  for (const v1::Entity& e : response.entities()) {
    entities.push_back({{"name", e.name()},
                        {"type", e.type()},
                        {"description", e.description()}});
  }
  return Listing("entities", std::move(entities), {"description"}, "", "");
}

Content ListDimensionValuesContent(
    const v1::ListDimensionValuesResponse& response) {
  Content content;
  for (const v1::Value& value : response.values()) {
    content.items.push_back(ValueToJson(value));
  }
  content.structured = {{"dimension", response.dimension()}};
  content.items_key = "values";
  content.truncated = response.truncated();
  content.hint = response.truncated()
                     ? "There are more values than limit: raise limit, or "
                       "narrow them with search."
                     : "Narrow the values with search, or lower limit.";
  content.text = [](const json& structured, const json& page, size_t offset,
                    size_t total) {
    std::vector<std::string> shown;
    for (const json& value : page) shown.push_back(Cell(value));
    return absl::StrCat(Heading("values", page.size(), offset, total), " of ",
                        structured.value("dimension", ""), ": ",
                        absl::StrJoin(shown, ", "), "\n");
  };
  return content;
}

Content ListSavedQueriesContent(const v1::ListSavedQueriesResponse& response) {
  json saved = json::array();
  for (const v1::SavedQuery& q : response.saved_queries()) {
    saved.push_back({{"name", q.name()},
                     {"description", q.description()},
                     {"label", q.label()},
                     {"metrics", Strings(q.metrics())},
                     {"group_by", Strings(q.group_by())},
                     {"where", Strings(q.where())}});
  }
  return Listing("saved_queries", std::move(saved),
                 {"description", "label", "where", "group_by"}, "metrics",
                 "metrics");
}

Content ValidateConfigsContent(const v1::ValidateConfigsResponse& response) {
  Content content;
  for (const v1::ValidationIssue& i : response.issues()) {
    content.items.push_back({{"level", i.level()},
                             {"message", i.message()},
                             {"context", i.context()}});
  }
  content.structured = {{"ok", response.ok()}, {"summary", response.summary()}};
  content.items_key = "issues";
  content.droppable = {"context"};
  content.hint = "Fewer issues at once: leave show_all out.";
  content.text = [](const json& structured, const json& page, size_t, size_t) {
    std::string text =
        absl::StrCat(structured.value("ok", false) ? "Valid" : "Invalid", ": ",
                     structured.value("summary", ""), "\n");
    for (const json& issue : page) {
      const std::string context = Field(issue, "context");
      absl::StrAppend(&text, "- ", Field(issue, "level"), ": ",
                      context.empty() ? "" : absl::StrCat(context, " - "),
                      Field(issue, "message"), "\n");
    }
    return text;
  };
  return content;
}

Content HealthChecksContent(const v1::HealthChecksResponse& response) {
  Content content;
  for (const v1::HealthCheck& c : response.checks()) {
    content.items.push_back(
        {{"name", c.name()}, {"ok", c.ok()}, {"detail", c.detail()}});
  }
  content.items_key = "checks";
  content.droppable = {"detail"};
  content.text = [](const json&, const json& page, size_t, size_t) {
    std::string text;
    for (const json& check : page) {
      const std::string detail = Field(check, "detail");
      absl::StrAppend(&text, check.value("ok", false) ? "OK   " : "FAIL ",
                      Field(check, "name"),
                      detail.empty() ? "" : absl::StrCat(": ", detail), "\n");
    }
    return text.empty() ? "no checks ran\n" : text;
  };
  return content;
}

}  // namespace mfgate::tools
