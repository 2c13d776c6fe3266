#include "gateway/tools/args.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/field_error.h"
#include "gateway/tools/arg_shapes.h"
#include "gateway/tools/near_miss.h"
#include "gateway/tools/refusal.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using Type = ArgSpec::Type;

const char* JsonTypeName(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_string()) return "string";
  if (value.is_array()) return "array";
  return "object";
}

absl::Status Expected(const std::string& name, const char* what,
                      const json& value) {
  return FieldError(
      name, absl::StrCat("expected ", what, ", got ", JsonTypeName(value)));
}

std::string Name(const ArgSpec& spec, absl::string_view text) {
  std::string name(absl::StripAsciiWhitespace(text));
  return spec.lower_case ? absl::AsciiStrToLower(name) : name;
}

// A list given as a list, or as one string ("a" or "a, b").
json ItemsOf(const json& value) {
  if (!value.is_string()) return value;
  json items = json::array();
  for (absl::string_view item :
       absl::StrSplit(value.get<std::string>(), ',', absl::SkipWhitespace())) {
    items.push_back(std::string(absl::StripAsciiWhitespace(item)));
  }
  return items;
}

absl::StatusOr<json> CheckNames(const ArgSpec& spec, const std::string& field,
                                const json& value) {
  if (!value.is_string() && !value.is_array()) {
    return Expected(field, "an array of strings", value);
  }
  json items = ItemsOf(value), names = json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      return Expected(absl::StrCat(field, "[", i, "]"), "a string", items[i]);
    }
    std::string name = Name(spec, items[i].get<std::string>());
    if (!name.empty()) names.push_back(std::move(name));
  }
  return names;
}

// group_by or order: each item folded; a refused item's fix is the whole
// list with that item corrected.
absl::StatusOr<json> CheckFolded(const ArgSpec& spec, const std::string& field,
                                 const json& value) {
  if (!value.is_string() && !value.is_array()) {
    return Expected(field, "an array of names or objects", value);
  }
  const bool order = spec.type == Type::kOrderList;
  json items = ItemsOf(value), names = json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    json fixed;
    absl::StatusOr<std::string> name =
        FoldName(absl::StrCat(field, "[", i, "]"), items[i], order, &fixed);
    if (!name.ok()) {
      json corrected = json::array();
      for (size_t j = 0; j < items.size(); ++j) {
        if (j != i) corrected.push_back(items[j]);
        if (j == i && !fixed.is_null()) corrected.push_back(fixed);
      }
      Fix fix;
      if (corrected.empty()) {
        fix.drop.push_back(field);
      } else {
        fix.set[field] = corrected;
      }
      return WithFix(name.status(), fix);
    }
    if (!name->empty() && *name != "-") names.push_back(std::move(*name));
  }
  return names;
}

absl::StatusOr<json> CheckOne(const ArgSpec& spec, const std::string& field,
                              const json& value, const json& arguments,
                              absl::CivilDay today) {
  switch (spec.type) {
    case Type::kString:
      if (!value.is_string()) {
        absl::Status refused = Expected(field, "a string", value);
        if (!value.is_number() && !value.is_boolean()) return refused;
        Fix fix;
        fix.set[field] = value.dump();
        return WithFix(refused, fix);
      }
      return json(Name(spec, value.get<std::string>()));
    case Type::kTime: {
      if (!value.is_string()) return Expected(field, "a string", value);
      const std::string text(
          absl::StripAsciiWhitespace(value.get<std::string>()));
      if (absl::Status s =
              CheckTime(field, text, spec.name == "end_time", arguments, today);
          !s.ok()) {
        return s;
      }
      return json(text);
    }
    case Type::kBoolean: {
      std::optional<bool> flag = LenientBoolean(value);
      if (!flag.has_value()) {
        Fix fix;
        fix.set[field] = false;
        return WithFix(Expected(field, "a boolean", value), fix);
      }
      return json(*flag);
    }
    case Type::kInteger: {
      std::optional<long long> number = LenientInteger(value);
      const long long fallback = std::clamp(100ll, spec.min, spec.max);
      if (!number.has_value()) {
        Fix fix;
        fix.set[field] = fallback;
        return WithFix(Expected(field, "an integer", value), fix);
      }
      if (*number < spec.min || *number > spec.max) {
        Fix fix;
        fix.set[field] = std::clamp(*number, spec.min, spec.max);
        return WithFix(
            FieldError(field,
                       absl::StrCat("must be between ", spec.min, " and ",
                                    spec.max, ", got ", *number)),
            fix);
      }
      return json(*number);
    }
    case Type::kStringList:
      return CheckNames(spec, field, value);
    case Type::kSearch: {
      if (value.is_string()) return json::array({value});
      if (!value.is_array()) {
        return Expected(field, "a string or an array of strings", value);
      }
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) {
          return Expected(absl::StrCat(field, "[", i, "]"), "a string",
                          value[i]);
        }
      }
      return value;
    }
    case Type::kGroupByList:
    case Type::kOrderList:
      return CheckFolded(spec, field, value);
    case Type::kWhere: {
      absl::StatusOr<std::string> where = JoinWhere(field, value);
      if (!where.ok()) return where.status();
      if (absl::Status s = CheckWhereDates(field, *where, today); !s.ok()) {
        return s;
      }
      return json(*where);
    }
  }
  return absl::InternalError("unknown argument type");
}

absl::Status Unknown(const ToolSpec& spec, const std::string& name,
                     const json& value, const json& arguments) {
  std::string known;
  for (const ArgSpec& candidate : spec.args) {
    absl::StrAppend(&known, known.empty() ? "" : ", ", candidate.name);
  }
  const ArgSpec* meant = NearMissArg(spec, name);
  absl::Status refused = FieldError(
      name, absl::StrCat("unknown argument for ", spec.name,
                         known.empty() ? " (it takes none)"
                                       : absl::StrCat(" (known: ", known, ")"),
                         meant != nullptr
                             ? absl::StrCat("; did you mean ", meant->name, "?")
                             : ""));
  Fix fix;
  fix.drop.push_back(name);
  if (meant != nullptr && !arguments.contains(meant->name)) {
    fix.set[meant->name] = value;
  }
  return WithFix(refused, fix);
}

// An order name that leaves out the grain group_by gives it takes that
// grain: "-metric_time" orders by "metric_time__month".
void ResolveOrderGrains(json* values) {
  if (!values->contains("order")) return;
  std::set<std::string> selected;
  for (const char* list : {"metrics", "group_by"}) {
    if (!values->contains(list)) continue;
    for (const json& name : (*values)[list]) selected.insert(name);
  }
  for (json& item : (*values)["order"]) {
    const std::string text = item;
    const bool descending = absl::StartsWith(text, "-");
    const std::string name = descending ? text.substr(1) : text;
    if (selected.count(name)) continue;
    std::string match;
    int matches = 0;
    for (absl::string_view grain : kGrains) {
      std::string candidate = absl::StrCat(name, "__", grain);
      if (selected.count(candidate)) {
        match = candidate;
        ++matches;
      }
    }
    if (matches == 1) item = descending ? absl::StrCat("-", match) : match;
  }
}

}  // namespace

std::string CheckedArgs::Written(const std::string& name) const {
  auto found = written.find(name);
  return found == written.end() ? name : found->second;
}

absl::StatusOr<CheckedArgs> CheckArguments(const ToolSpec& spec,
                                           const json& arguments,
                                           const ArgBounds& bounds,
                                           absl::CivilDay today) {
  if (!arguments.is_object()) {
    return Expected("arguments", "an object", arguments);
  }
  CheckedArgs checked;
  for (const auto& [name, value] : arguments.items()) {
    const ArgSpec* arg = FindArg(spec, name);
    if (arg == nullptr) return Unknown(spec, name, value, arguments);
    if (checked.written.count(arg->name)) {
      Fix fix;
      fix.drop.push_back(name);
      return WithFix(
          FieldError(name, absl::StrCat("is ", arg->name, " again (given as ",
                                        checked.written[arg->name], " and ",
                                        name, "); send one")),
          fix);
    }
    if (value.is_null()) continue;  // Same as absent, as optional ones go.
    checked.written[arg->name] = name;
    absl::StatusOr<json> one = CheckOne(*arg, name, value, arguments, today);
    if (!one.ok()) return one.status();
    long long bound = 0;
    if (arg->tenant_bound == ArgSpec::TenantBound::kRows) {
      bound = bounds.max_rows;
    } else if (arg->tenant_bound == ArgSpec::TenantBound::kResponseChars) {
      bound = bounds.max_response_chars;
    }
    if (bound > 0 && one->get<long long>() > bound) {
      return Refuse(name,
                    absl::StrCat("at most ", bound, " for this server, got ",
                                 one->get<long long>()),
                    name, bound);
    }
    checked.values[arg->name] = std::move(*one);
  }
  for (const ArgSpec& arg : spec.args) {
    if (arg.required && !checked.values.contains(arg.name)) {
      return FieldError(arg.name, "is required");
    }
    // A row bound not given is always sent: left to the worker (0), its
    // default could have changed since it said it, past the tenant's bound.
    if (arg.tenant_bound == ArgSpec::TenantBound::kRows &&
        !checked.values.contains(arg.name)) {
      checked.values[arg.name] = std::min(bounds.default_rows, bounds.max_rows);
    }
  }
  ResolveOrderGrains(&checked.values);
  return checked;
}

namespace {

void CopyList(const json& args, const char* name,
              google::protobuf::RepeatedPtrField<std::string>* out) {
  if (!args.contains(name)) return;
  for (const json& item : args[name]) out->Add(item.get<std::string>());
}

std::string Text(const json& args, const char* name) {
  return args.contains(name) ? args[name].get<std::string>() : std::string();
}

bool Flag(const json& args, const char* name) {
  return args.contains(name) && args[name].get<bool>();
}

long long Number(const json& args, const char* name) {
  return args.contains(name) ? args[name].get<long long>() : 0;
}

}  // namespace

v1::QueryRequest BuildQuery(const json& args, bool compile_only) {
  v1::QueryRequest request;
  CopyList(args, "metrics", request.mutable_metrics());
  CopyList(args, "group_by", request.mutable_group_by());
  CopyList(args, "order", request.mutable_order_by());
  request.set_where(Text(args, "where"));
  request.set_limit(Number(args, "limit"));
  request.set_start_time(Text(args, "start_time"));
  request.set_end_time(Text(args, "end_time"));
  request.set_saved_query(Text(args, "saved_query"));
  request.set_compile_only(compile_only || Flag(args, "explain"));
  // Rows of a query that runs come in a stable order, so that its limit
  // and its pages (budget.h: a page runs the query again) are the same
  // from one call to the next: by its group_by items unless it sets one.
  if (!request.compile_only() && request.order_by().empty()) {
    *request.mutable_order_by() = request.group_by();
  }
  request.set_show_dataflow_plan(Flag(args, "show_dataflow_plan"));
  request.set_show_sql_descriptions(Flag(args, "show_sql_descriptions"));
  return request;
}

v1::ListMetricsRequest BuildListMetrics(const json& args) {
  v1::ListMetricsRequest request;
  CopyList(args, "search", request.mutable_search());
  request.set_show_all_dimensions(Flag(args, "show_all_dimensions"));
  return request;
}

// A listing of what goes with `metrics`, found by `search`.
template <typename Request>
Request MetricsAndSearch(const json& args) {
  Request request;
  CopyList(args, "metrics", request.mutable_metrics());
  CopyList(args, "search", request.mutable_search());
  return request;
}

v1::ListDimensionsRequest BuildListDimensions(const json& args) {
  return MetricsAndSearch<v1::ListDimensionsRequest>(args);
}

v1::ListEntitiesRequest BuildListEntities(const json& args) {
  return MetricsAndSearch<v1::ListEntitiesRequest>(args);
}

v1::ListDimensionValuesRequest BuildListDimensionValues(const json& args) {
  v1::ListDimensionValuesRequest request;
  request.set_dimension(Text(args, "dimension"));
  CopyList(args, "metrics", request.mutable_metrics());
  request.set_start_time(Text(args, "start_time"));
  request.set_end_time(Text(args, "end_time"));
  CopyList(args, "search", request.mutable_search());
  request.set_limit(Number(args, "limit"));
  return request;
}

v1::ListSavedQueriesRequest BuildListSavedQueries(const json& args) {
  v1::ListSavedQueriesRequest request;
  CopyList(args, "search", request.mutable_search());
  return request;
}

v1::ValidateConfigsRequest BuildValidateConfigs(const json& args) {
  v1::ValidateConfigsRequest request;
  request.set_dw_timeout(Number(args, "dw_timeout"));
  request.set_skip_dw(Flag(args, "skip_dw"));
  request.set_show_all(Flag(args, "show_all"));
  request.set_verbose_issues(Flag(args, "verbose_issues"));
  request.set_semantic_validation_workers(
      static_cast<int32_t>(Number(args, "semantic_validation_workers")));
  return request;
}

}  // namespace mfgate::tools
