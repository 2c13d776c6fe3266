#include "gateway/tools/args.h"

#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/field_error.h"

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

absl::StatusOr<json> CheckOne(const ArgSpec& spec, const json& value) {
  switch (spec.type) {
    case Type::kString:
      if (!value.is_string()) return Expected(spec.name, "a string", value);
      return value;
    case Type::kBoolean:
      if (!value.is_boolean()) return Expected(spec.name, "a boolean", value);
      return value;
    case Type::kInteger: {
      // 10.0 is an integer in JSON Schema; 10.5 is not.
      long long number = 0;
      if (value.is_number_unsigned() &&
          value.get<unsigned long long>() > 1ull << 53) {
        number = 1ll << 53;  // Out of every range below.
      } else if (value.is_number_integer()) {
        number = value.get<long long>();
      } else if (value.is_number_float()) {
        double d = value.get<double>();
        if (std::floor(d) != d || std::fabs(d) > 1e15) {
          return Expected(spec.name, "an integer", value);
        }
        number = static_cast<long long>(d);
      } else {
        return Expected(spec.name, "an integer", value);
      }
      if (number < spec.min || number > spec.max) {
        return FieldError(spec.name,
                          absl::StrCat("must be between ", spec.min, " and ",
                                       spec.max, ", got ", number));
      }
      return json(number);
    }
    case Type::kStringList: {
      json list = json::array();
      if (value.is_string()) {
        for (absl::string_view item : absl::StrSplit(
                 value.get<std::string>(), ',', absl::SkipWhitespace())) {
          list.push_back(std::string(absl::StripAsciiWhitespace(item)));
        }
        return list;
      }
      if (!value.is_array())
        return Expected(spec.name, "an array of strings", value);
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) {
          return Expected(absl::StrCat(spec.name, "[", i, "]"), "a string",
                          value[i]);
        }
      }
      return value;
    }
  }
  return absl::InternalError("unknown argument type");
}

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

absl::StatusOr<json> CheckArguments(const ToolSpec& spec,
                                    const json& arguments) {
  if (!arguments.is_object())
    return Expected("arguments", "an object", arguments);
  json checked = json::object();
  for (const auto& [name, value] : arguments.items()) {
    const ArgSpec* arg = nullptr;
    for (const ArgSpec& candidate : spec.args) {
      if (candidate.name == name) arg = &candidate;
    }
    if (arg == nullptr) {
      std::string known;
      for (const ArgSpec& candidate : spec.args) {
        absl::StrAppend(&known, known.empty() ? "" : ", ", candidate.name);
      }
      return FieldError(
          name,
          absl::StrCat("unknown argument for ", spec.name,
                       known.empty() ? " (it takes none)"
                                     : absl::StrCat(" (known: ", known, ")")));
    }
    if (value.is_null())
      continue;  // Same as absent, as optional parameters go.
    absl::StatusOr<json> one = CheckOne(*arg, value);
    if (!one.ok()) return one.status();
    checked[name] = std::move(*one);
  }
  for (const ArgSpec& arg : spec.args) {
    if (arg.required && !checked.contains(arg.name)) {
      return FieldError(arg.name, "is required");
    }
  }
  return checked;
}

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
  request.set_show_dataflow_plan(Flag(args, "show_dataflow_plan"));
  request.set_show_sql_descriptions(Flag(args, "show_sql_descriptions"));
  return request;
}

v1::ListMetricsRequest BuildListMetrics(const json& args) {
  v1::ListMetricsRequest request;
  if (args.contains("search")) request.add_search(Text(args, "search"));
  request.set_show_all_dimensions(Flag(args, "show_all_dimensions"));
  return request;
}

v1::ListDimensionsRequest BuildListDimensions(const json& args) {
  v1::ListDimensionsRequest request;
  CopyList(args, "metrics", request.mutable_metrics());
  return request;
}

v1::ListEntitiesRequest BuildListEntities(const json& args) {
  v1::ListEntitiesRequest request;
  CopyList(args, "metrics", request.mutable_metrics());
  return request;
}

v1::ListDimensionValuesRequest BuildListDimensionValues(const json& args) {
  v1::ListDimensionValuesRequest request;
  request.set_dimension(Text(args, "dimension"));
  CopyList(args, "metrics", request.mutable_metrics());
  request.set_start_time(Text(args, "start_time"));
  request.set_end_time(Text(args, "end_time"));
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
