#include "gateway/tools/corrections.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/field_error.h"
#include "gateway/tools/dates.h"
#include "gateway/tools/near_miss.h"
#include "gateway/tools/refusal.h"
#include "gateway/tools/where_repair.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using Type = ArgSpec::Type;

// A field as errors name it: "group_by[1].grain" is group_by, item 1.
struct FieldPath {
  std::string base;
  std::optional<size_t> index;
};

FieldPath Parse(absl::string_view field) {
  FieldPath path;
  size_t bracket = field.find_first_of("[.");
  path.base = std::string(field.substr(0, bracket));
  if (bracket != absl::string_view::npos && field[bracket] == '[') {
    size_t close = field.find(']', bracket);
    size_t index = 0;
    if (close != absl::string_view::npos &&
        absl::SimpleAtoi(field.substr(bracket + 1, close - bracket - 1),
                         &index)) {
      path.index = index;
    }
  }
  return path;
}

// The argument an error's field base names: as written, by its own name or
// an alias, or as the worker calls it.
const ArgSpec* ArgOf(const ToolSpec& spec, absl::string_view base) {
  if (const ArgSpec* arg = FindArg(spec, base)) return arg;
  for (const ArgSpec& arg : spec.args) {
    if (!arg.worker_field.empty() && arg.worker_field == base) return &arg;
  }
  return nullptr;
}

// The names a list argument holds: checked ones when the check passed,
// else those the caller sent that are strings.
std::vector<std::string> NamesOf(const json& arguments,
                                 const CheckedArgs& checked,
                                 const ArgSpec& arg) {
  std::vector<std::string> names;
  const std::string written = checked.Written(arg.name);
  const json* value = checked.values.contains(arg.name)
                          ? &checked.values[arg.name]
                      : arguments.is_object() && arguments.contains(written)
                          ? &arguments[written]
                          : nullptr;
  if (value == nullptr) return names;
  if (value->is_string()) return {value->get<std::string>()};
  if (!value->is_array()) return names;
  for (const json& item : *value) {
    if (item.is_string()) names.push_back(item.get<std::string>());
    if (item.is_object() && item.contains("name") && item["name"].is_string())
      names.push_back(item["name"].get<std::string>());
  }
  return names;
}

std::vector<std::string> MetricsOf(const ToolSpec& spec, const json& arguments,
                                   const CheckedArgs& checked) {
  const ArgSpec* metrics = FindArg(spec, "metrics");
  return metrics == nullptr ? std::vector<std::string>()
                            : NamesOf(arguments, checked, *metrics);
}

// The caller's list `value` with item `index` set to `item` (a list given
// as one string becomes a list).
json WithItem(const json& value, size_t index, const json& item) {
  json list = value.is_array() ? value : json::array();
  if (value.is_string()) {
    for (absl::string_view part :
         absl::StrSplit(value.get<std::string>(), ',', absl::SkipWhitespace()))
      list.push_back(std::string(absl::StripAsciiWhitespace(part)));
  }
  if (index < list.size()) {
    // An object item keeps its shape: only its name changes.
    if (list[index].is_object() && item.is_string()) {
      list[index]["name"] = item;
      list[index].erase("grain");
    } else {
      list[index] = item;
    }
  } else {
    list.push_back(item);
  }
  return list;
}

// A value of `arg`'s shape that works with the call's other arguments,
// for when neither the check nor MetricFlow said what was meant.
json Fallback(const ToolSpec& spec, const ArgSpec& arg, const json& arguments,
              const CheckedArgs& checked, const json& refused,
              std::optional<size_t> index, const Vocabulary& vocabulary,
              absl::CivilDay today) {
  const std::vector<std::string> metrics = MetricsOf(spec, arguments, checked);
  std::vector<std::string> names = NamesOf(arguments, checked, arg);
  const std::string given = index.has_value() && *index < names.size()
                                ? names[*index]
                            : refused.is_string() ? refused.get<std::string>()
                                                  : "";
  auto closest = [&](const std::vector<std::string>& known) -> json {
    std::string name = Closest(given, known);
    return name.empty() ? json() : json(name);
  };
  if (arg.name == "metrics" || arg.name == "saved_query") {
    json name = closest(arg.name == "metrics" ? vocabulary.metrics()
                                              : vocabulary.saved_queries());
    if (name.is_null()) return name;
    return arg.type == Type::kString ? name
           : index.has_value()       ? WithItem(refused, *index, name)
                                     : json::array({name});
  }
  if (arg.type == Type::kGroupByList || arg.name == "dimension") {
    json name = closest(vocabulary.dimensions(metrics));
    if (name.is_null() || arg.name == "dimension") return name;
    return WithItem(refused, index.value_or(names.size()), name);
  }
  if (arg.type == Type::kOrderList) {
    // The group_by item of the same name (any grain), else the first
    // metric, descending.
    const ArgSpec* group_by = FindArg(spec, "group_by");
    const std::string unsigned_name(absl::StripPrefix(given, "-"));
    const std::string base = unsigned_name.substr(0, unsigned_name.find("__"));
    json item;
    if (group_by != nullptr) {
      for (const std::string& name : NamesOf(arguments, checked, *group_by)) {
        if (absl::StartsWith(name, base)) {
          item = absl::StartsWith(given, "-") ? absl::StrCat("-", name) : name;
          break;
        }
      }
    }
    if (item.is_null() && !metrics.empty()) item = "-" + metrics[0];
    if (item.is_null()) return item;
    return WithItem(refused, index.value_or(0), item);
  }
  switch (arg.type) {
    case Type::kWhere: {
      const std::string text = refused.is_string() ? refused.get<std::string>()
                               : checked.values.contains("where")
                                   ? checked.values["where"].get<std::string>()
                                   : "";
      std::string repaired = RepairWhere(text, vocabulary.dimensions(metrics));
      if (repaired != text) return repaired;
      return absl::StrCat("{{ TimeDimension('metric_time', 'day') }} >= '",
                          IsoDay(today - 30), "'");
    }
    case Type::kTime:
      return IsoDay(arg.name == "end_time" ? today : today - 30);
    case Type::kSearch:
      return arg.example;
    default:
      return json();  // Leave it out.
  }
}

// Sets `name` (as the caller writes it) in `call`, or drops it for null.
void Put(json* call, const std::string& name, const json& value) {
  if (value.is_null()) {
    call->erase(name);
  } else {
    (*call)[name] = value;
  }
}

// The names `call` gives its arguments, as CheckedArgs records them.
CheckedArgs WrittenIn(const ToolSpec& spec, const json& call) {
  CheckedArgs written;
  if (!call.is_object()) return written;
  for (const auto& [name, value] : call.items()) {
    if (const ArgSpec* arg = FindArg(spec, name))
      written.written[arg->name] = name;
  }
  return written;
}

// One correction of `call` for `error`.
json CorrectOnce(const ToolSpec& spec, json call, const CheckedArgs& checked,
                 const absl::Status& error, const Vocabulary& vocabulary,
                 absl::CivilDay today) {
  if (!call.is_object()) call = json::object();
  if (std::optional<Fix> fix = FixOf(error)) {
    for (const std::string& name : fix->drop) call.erase(name);
    for (const auto& [name, value] : fix->set.items()) Put(&call, name, value);
    return call;
  }
  const FieldPath path = Parse(ErrorField(error));
  const ArgSpec* arg = ArgOf(spec, path.base);
  if (arg == nullptr) return call;  // "arguments": the required ones follow.
  const std::string written = checked.Written(arg->name);
  const json refused = call.contains(written) ? call[written] : json();
  // A saved query stands alone.
  if (arg->name == "saved_query" &&
      absl::StrContains(error.message(), "cannot be combined")) {
    call.erase(checked.Written("metrics"));
    call.erase(checked.Written("group_by"));
    return call;
  }
  if (absl::StrContains(error.message(), "is required")) {
    Put(&call, written,
        Fallback(spec, *arg, call, WrittenIn(spec, call), json(), std::nullopt,
                 vocabulary, today));
    return call;
  }
  std::vector<std::string> suggestions = ErrorSuggestions(error);
  if (!suggestions.empty()) {
    // MetricFlow ranks its suggestions its own way; the one closest to what
    // the caller wrote is most likely what was meant.
    if (arg->type == Type::kWhere && refused.is_string()) {
      Put(&call, written,
          ApplyWhereSuggestion(checked.values.value("where", ""),
                               suggestions[0]));
    } else if (arg->type == Type::kString) {
      Put(&call, written,
          Closest(refused.is_string() ? refused.get<std::string>() : "",
                  suggestions));
    } else {
      // The item the suggestion replaces: the one named, else the one
      // closest to it.
      std::vector<std::string> names = NamesOf(call, checked, *arg);
      size_t index = names.size();
      if (path.index.has_value()) {
        index = *path.index;
      } else if (!names.empty()) {
        const std::string closest = Closest(suggestions[0], names);
        index = std::find(names.begin(), names.end(), closest) - names.begin();
      }
      const std::string given = index < names.size() ? names[index] : "";
      Put(&call, written,
          WithItem(refused, index, Closest(given, suggestions)));
    }
    return call;
  }
  Put(&call, written,
      Fallback(spec, *arg, call, checked, refused, path.index, vocabulary,
               today));
  return call;
}

// The arguments `spec` requires, filled where `call` lacks them.
void AddRequired(const ToolSpec& spec, json* call, const CheckedArgs& checked,
                 const Vocabulary& vocabulary, absl::CivilDay today) {
  const bool query = FindArg(spec, "saved_query") != nullptr;
  for (const ArgSpec& arg : spec.args) {
    const bool needed =
        arg.required || (query && arg.name == "metrics" &&
                         !call->contains(checked.Written("saved_query")));
    if (!needed || call->contains(checked.Written(arg.name))) continue;
    Put(call, checked.Written(arg.name),
        Fallback(spec, arg, *call, WrittenIn(spec, *call), json(), std::nullopt,
                 vocabulary, today));
  }
}

}  // namespace

absl::Status AsWritten(const ToolSpec& spec, const CheckedArgs& checked,
                       const absl::Status& error) {
  const std::string field = ErrorField(error);
  const FieldPath path = Parse(field);
  const ArgSpec* arg = ArgOf(spec, path.base);
  if (arg == nullptr) return error;
  // A name the caller may write (the gateway's own checks name fields so)
  // stays; the worker's names become the caller's.
  const std::string written = checked.written.count(arg->name)
                                  ? checked.Written(arg->name)
                              : FindArg(spec, path.base) != nullptr ? path.base
                                                                    : arg->name;
  std::string renamed =
      written + std::string(absl::string_view(field).substr(path.base.size()));
  // MetricFlow names the list, and the item in its message: "(input: x)".
  if (!path.index.has_value() && checked.values.contains(arg->name) &&
      checked.values[arg->name].is_array()) {
    const std::string message(error.message());
    size_t input = message.rfind("(input: ");
    if (input != std::string::npos) {
      std::string item = message.substr(input + 8);
      item = item.substr(0, item.find(')'));
      const json& list = checked.values[arg->name];
      for (size_t i = 0; i < list.size(); ++i) {
        if (absl::EqualsIgnoreCase(list[i].get<std::string>(), item)) {
          absl::StrAppend(&renamed, "[", i, "]");
          break;
        }
      }
    }
  }
  return renamed == field ? error : RenameField(error, renamed);
}

json CorrectedCall(const ToolSpec& spec, const json& arguments,
                   const CheckedArgs& checked, const absl::Status& error,
                   const ArgBounds& bounds, const Vocabulary& vocabulary,
                   absl::CivilDay today) {
  const bool callers_fault =
      absl::IsInvalidArgument(error) || absl::IsNotFound(error) ||
      absl::IsOutOfRange(error) ||
      (absl::IsFailedPrecondition(error) && !ErrorField(error).empty());
  if (!callers_fault) return nullptr;
  json call = CorrectOnce(spec, arguments, checked, error, vocabulary, today);
  // The correction may leave the call with another fault the gateway sees:
  // correct that too, a few times at most.
  for (int round = 0; round < 4; ++round) {
    absl::StatusOr<CheckedArgs> again =
        CheckArguments(spec, call, bounds, today);
    if (again.ok()) break;
    call = CorrectOnce(spec, call, WrittenIn(spec, call), again.status(),
                       vocabulary, today);
  }
  AddRequired(spec, &call, WrittenIn(spec, call), vocabulary, today);
  // Nothing corrected is no example.
  return call == arguments ? json() : call;
}

}  // namespace mfgate::tools
