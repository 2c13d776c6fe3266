#include "gateway/tools/schemas.h"

#include <algorithm>

namespace mfgate::tools {
namespace schemas {
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
const json kInteger = {{"type", "integer"}};
const json kBoolean = {{"type", "boolean"}};
// A result cell: any scalar. A union of single-type branches, not a `type`
// array, which single-type schema dialects (and strict linters) reject; an
// integer is a number.
const json kCell = {{"anyOf",
                     {{{"type", "string"}},
                      {{"type", "number"}},
                      {{"type", "boolean"}},
                      {{"type", "null"}}}}};

// What every result says of the budget and of its paging (budget.h).
json WithPaging(json schema) {
  json& properties = schema["properties"];
  properties["budget"] = Obj({{"max_chars", kInteger},
                              {"used_chars", kInteger},
                              {"approx_tokens", kInteger}},
                             {"max_chars", "used_chars", "approx_tokens"});
  properties["truncated"] = kBoolean;
  properties["next_cursor"] = kString;
  properties["offset"] = kInteger;
  properties["note"] = kString;
  properties["hint"] = kString;
  return schema;
}

// The schema of one name in group_by or order: a string, or its object form.
json NameOrObject(const ArgSpec& arg) {
  json object =
      arg.type == Type::kGroupByList
          ? Obj({{"name", kString},
                 {"type",
                  {{"type", "string"},
                   {"enum", {"dimension", "time_dimension", "entity"}}}},
                 {"grain", kString}},
                {"name"})
          : Obj({{"name", kString},
                 {"descending", kBoolean},
                 {"grain", kString}},
                {"name"});
  object["additionalProperties"] = false;
  return json{{"anyOf", {kString, object}}};
}

}  // namespace

json QueryOutput() {
  return WithPaging(Obj(
      {{"columns",
        ListOf(Obj({{"name", kString}, {"type", kString}}, {"name", "type"}))},
       {"rows", ListOf(ListOf(kCell))},
       {"row_count", kInteger},
       {"total", kInteger},
       {"sql", kString},
       {"dataflow_plan", kString}},
      {"columns", "rows", "row_count", "truncated"}));
}

json ListOutput(const char* items, json item) {
  return WithPaging(
      Obj({{items, ListOf(std::move(item))}, {"total", kInteger}}, {items}));
}

json MetricItem() {
  return Obj({{"name", kString},
              {"type", kString},
              {"description", kString},
              {"label", kString},
              {"dimensions", ListOf(kString)}},
             {"name"});
}

json DimensionItem() {
  return Obj({{"name", kString},
              {"qualified_name", kString},
              {"type", kString},
              {"description", kString},
              {"granularities", ListOf(kString)}},
             {"name"});
}

json EntityItem() {
  return Obj({{"name", kString}, {"type", kString}, {"description", kString}},
             {"name"});
}

json SavedQueryItem() {
  return Obj({{"name", kString},
              {"description", kString},
              {"label", kString},
              {"metrics", ListOf(kString)},
              {"group_by", ListOf(kString)},
              {"where", ListOf(kString)}},
             {"name"});
}

json DimensionValuesOutput() {
  return WithPaging(Obj(
      {{"dimension", kString}, {"values", ListOf(kCell)}, {"total", kInteger}},
      {"dimension", "values"}));
}

json ValidateConfigsOutput() {
  return WithPaging(Obj({{"ok", kBoolean},
                         {"issues", ListOf(Obj({{"level", kString},
                                                {"message", kString},
                                                {"context", kString}},
                                               {"level", "message"}))},
                         {"summary", kString},
                         {"total", kInteger}},
                        {"ok", "issues"}));
}

json HealthChecksOutput() {
  return WithPaging(Obj(
      {{"checks",
        ListOf(Obj({{"name", kString}, {"ok", kBoolean}, {"detail", kString}},
                   {"name", "ok"}))},
       {"total", kInteger}},
      {"checks"}));
}

json ArgSchema(const ArgSpec& arg, long long max, long long default_value) {
  json schema;
  switch (arg.type) {
    case Type::kString:
    case Type::kTime:
      schema = kString;
      break;
    case Type::kStringList:
      schema = ListOf(kString);
      break;
    case Type::kSearch:
    case Type::kWhere:
      schema = {{"anyOf", {kString, ListOf(kString)}}};
      break;
    case Type::kGroupByList:
    case Type::kOrderList:
      schema = ListOf(NameOrObject(arg));
      break;
    case Type::kInteger:
      schema = {{"type", "integer"},
                {"minimum", arg.min},
                {"maximum", max > 0 ? max : arg.max}};
      if (default_value > 0) schema["default"] = default_value;
      break;
    case Type::kBoolean:
      schema = {{"type", "boolean"}, {"default", false}};
      break;
  }
  schema["description"] = arg.description;
  schema["examples"] = json::array({arg.example});
  return schema;
}

}  // namespace schemas

nlohmann::json ToolListing(const ToolSpec& spec,
                           const ListingOptions& options) {
  using json = nlohmann::json;
  json properties = json::object();
  json required = json::array();
  for (const ArgSpec& arg : spec.args) {
    long long max = 0, default_value = 0;
    switch (arg.tenant_bound) {
      case ArgSpec::TenantBound::kRows:
        max = options.max_limit;
        default_value = std::min(options.default_limit, options.max_limit);
        break;
      case ArgSpec::TenantBound::kResponseChars:
        max = options.max_response_chars;
        default_value = options.default_response_chars;
        break;
      case ArgSpec::TenantBound::kNone:
        break;
    }
    const std::string& name = NameIn(arg, options.naming);
    properties[name] = schemas::ArgSchema(arg, max, default_value);
    if (arg.required) required.push_back(name);
  }
  json input{{"type", "object"},
             {"properties", properties},
             {"additionalProperties", false}};
  if (!required.empty()) input["required"] = required;
  return json{{"name", NameIn(spec, options.naming)},
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
