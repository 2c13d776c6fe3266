#include "gateway/tools/arg_shapes.h"

#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/field_error.h"
#include "gateway/tools/catalogue.h"
#include "gateway/tools/dates.h"
#include "gateway/tools/refusal.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;

// Keys of the object forms, and the near misses models write for them.
struct KeyAlias {
  absl::string_view wrong;
  absl::string_view right;
};
constexpr KeyAlias kGroupByKeys[] = {
    {"dimension", "name"},   {"dim", "name"},
    {"field", "name"},       {"column", "name"},
    {"id", "name"},          {"key", "name"},
    {"entity", "name"},      {"granularity", "grain"},
    {"time_grain", "grain"}, {"time_granularity", "grain"},
    {"period", "grain"},     {"date_part", "grain"},
    {"kind", "type"},        {"dimension_type", "type"}};
constexpr KeyAlias kOrderKeys[] = {{"field", "name"},
                                   {"column", "name"},
                                   {"by", "name"},
                                   {"key", "name"},
                                   {"metric", "name"},
                                   {"dimension", "name"},
                                   {"desc", "descending"},
                                   {"is_descending", "descending"},
                                   {"reverse", "descending"},
                                   {"direction", "descending"},
                                   {"order", "descending"},
                                   {"sort", "descending"},
                                   {"sort_order", "descending"},
                                   {"dir", "descending"},
                                   {"granularity", "grain"},
                                   {"time_grain", "grain"},
                                   {"time_granularity", "grain"}};

// What an object form's `type` may say (MetricFlow's own words included:
// list_dimensions shows CATEGORICAL and TIME).
constexpr absl::string_view kGroupByTypes[] = {"dimension", "time_dimension",
                                               "entity", "categorical", "time"};

bool IsIdentifier(absl::string_view text) {
  if (text.empty() || absl::ascii_isdigit(static_cast<unsigned char>(text[0])))
    return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  }
  return true;
}

std::string Lower(absl::string_view text) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
}

// "{{ TimeDimension('metric_time', 'month') }}", "Dimension('customer__x')":
// the name MetricFlow's group_by takes for it; nullopt for other text.
std::optional<std::string> NameOfReference(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&rest, "{{");
  absl::ConsumeSuffix(&rest, "}}");
  rest = absl::StripAsciiWhitespace(rest);
  std::string lowered = absl::AsciiStrToLower(rest);
  size_t open = lowered.find('(');
  if (open == std::string::npos || lowered.back() != ')') return std::nullopt;
  absl::string_view kind =
      absl::StripAsciiWhitespace(absl::string_view(lowered).substr(0, open));
  if (kind != "dimension" && kind != "timedimension" && kind != "entity") {
    return std::nullopt;
  }
  std::vector<std::string> quoted;
  absl::string_view inside =
      absl::string_view(lowered).substr(open + 1, lowered.size() - open - 2);
  for (absl::string_view part : absl::StrSplit(inside, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.size() < 2 || (part.front() != '\'' && part.front() != '"') ||
        part.back() != part.front()) {
      return std::nullopt;
    }
    quoted.emplace_back(part.substr(1, part.size() - 2));
  }
  if (quoted.empty() || !IsIdentifier(quoted[0])) return std::nullopt;
  if (quoted.size() == 2 && IsIdentifier(quoted[1])) {
    return absl::StrCat(quoted[0], "__", quoted[1]);
  }
  return quoted.size() == 1 ? std::optional<std::string>(quoted[0])
                            : std::nullopt;
}

// A string item of group_by or order.
absl::StatusOr<std::string> FoldText(const std::string& field,
                                     const std::string& text, bool order,
                                     json* fixed) {
  std::string name = Lower(text);
  if (std::optional<std::string> named = NameOfReference(name)) {
    *fixed = *named;
    return FieldError(field, absl::StrCat("write the name, not a reference: \"",
                                          *named, "\""));
  }
  if (order) {
    // SQL's "revenue DESC".
    std::vector<std::string> words =
        absl::StrSplit(name, ' ', absl::SkipWhitespace());
    if (words.size() == 2 && (words[1] == "desc" || words[1] == "asc")) {
      *fixed = words[1] == "desc" ? absl::StrCat("-", words[0]) : words[0];
      return FieldError(
          field, absl::StrCat("write \"", fixed->get<std::string>(),
                              "\" (\"-\" first for descending), not SQL's ",
                              words[1] == "desc" ? "DESC" : "ASC"));
    }
  }
  return name;
}

const KeyAlias* NearMiss(absl::string_view key, bool order) {
  if (order) {
    for (const KeyAlias& alias : kOrderKeys) {
      if (alias.wrong == key) return &alias;
    }
  } else {
    for (const KeyAlias& alias : kGroupByKeys) {
      if (alias.wrong == key) return &alias;
    }
  }
  return nullptr;
}

// The object `item` with near-miss keys renamed and values it cannot read
// dropped: what a refusal suggests.
json Corrected(const json& item, bool order) {
  json fixed = json::object();
  for (const auto& [key, value] : item.items()) {
    std::string right = Lower(key);
    if (const KeyAlias* alias = NearMiss(right, order)) {
      right = std::string(alias->right);
    }
    if (right == "name" && value.is_string()) {
      fixed["name"] = Lower(value.get<std::string>());
    } else if (right == "grain" && value.is_string()) {
      fixed["grain"] = Lower(value.get<std::string>());
    } else if (right == "type" && !order && value.is_string()) {
      fixed["type"] = Lower(value.get<std::string>());
    } else if (right == "descending" && order) {
      std::optional<bool> flag = LenientBoolean(value);
      if (!flag.has_value() && value.is_string()) {
        std::string word = Lower(value.get<std::string>());
        if (word == "desc" || word == "descending") flag = true;
        if (word == "asc" || word == "ascending") flag = false;
      }
      if (flag.has_value()) fixed["descending"] = *flag;
    }
  }
  if (!order && fixed.contains("type")) {
    const std::string type = fixed["type"];
    bool known = false;
    for (absl::string_view t : kGroupByTypes) known = known || t == type;
    if (!known) fixed.erase("type");
    if (type == "entity") fixed.erase("grain");
  }
  if (!fixed.contains("name")) return nullptr;
  return fixed;
}

// An object item of group_by or order.
absl::StatusOr<std::string> FoldObject(const std::string& field,
                                       const json& item, bool order,
                                       json* fixed) {
  const char* keys = order ? "name, descending, grain" : "name, type, grain";
  auto refuse = [&](const std::string& where, const std::string& what) {
    *fixed = Corrected(item, order);
    return FieldError(where, absl::StrCat(what, " (keys: ", keys, ")"));
  };
  std::string name, grain, type;
  bool descending = false;
  for (const auto& [key, value] : item.items()) {
    const std::string at = absl::StrCat(field, ".", key);
    if (value.is_null()) continue;  // As absent, as optional keys go.
    if (key == "name" && value.is_string()) {
      name = Lower(value.get<std::string>());
    } else if (key == "grain" && value.is_string()) {
      grain = Lower(value.get<std::string>());
      if (!grain.empty() && !IsIdentifier(grain)) {
        return refuse(at, "is not a grain such as day, week or month");
      }
    } else if (key == "type" && !order && value.is_string()) {
      type = Lower(value.get<std::string>());
      bool known = false;
      for (absl::string_view t : kGroupByTypes) known = known || t == type;
      if (!known) {
        return refuse(at, "must be dimension, time_dimension or entity");
      }
    } else if (key == "descending" && order) {
      std::optional<bool> flag = LenientBoolean(value);
      if (!flag.has_value()) return refuse(at, "must be true or false");
      descending = *flag;
    } else if (key == "name" || key == "grain" || key == "type") {
      return refuse(at, "must be a string");
    } else {
      const KeyAlias* alias = NearMiss(Lower(key), order);
      return refuse(at, alias != nullptr ? absl::StrCat("unknown key; write \"",
                                                        alias->right, "\"")
                                         : std::string("unknown key"));
    }
  }
  if (name.empty()) return refuse(field, "\"name\" is required");
  if (type == "entity" && !grain.empty()) {
    return refuse(absl::StrCat(field, ".grain"), "an entity has no grain");
  }
  if (!grain.empty()) {
    std::vector<std::string> parts = absl::StrSplit(name, "__");
    if (parts.size() > 1 && IsGrain(parts.back())) {
      if (parts.back() != grain) {
        *fixed = item;
        parts.pop_back();
        (*fixed)["name"] = absl::StrJoin(parts, "__");
        return FieldError(absl::StrCat(field, ".name"),
                          absl::StrCat("\"", name,
                                       "\" has a grain already; "
                                       "give it once"));
      }
    } else {
      absl::StrAppend(&name, "__", grain);
    }
  }
  return descending ? absl::StrCat("-", name) : name;
}

}  // namespace

std::optional<bool> LenientBoolean(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) {
    long long number = value.get<long long>();
    if (number == 0 || number == 1) return number == 1;
    return std::nullopt;
  }
  if (!value.is_string()) return std::nullopt;
  const std::string word = Lower(value.get<std::string>());
  for (const char* yes : {"true", "yes", "on", "1", "t", "y"}) {
    if (word == yes) return true;
  }
  for (const char* no : {"false", "no", "off", "0", "f", "n"}) {
    if (word == no) return false;
  }
  return std::nullopt;
}

std::optional<long long> LenientInteger(const json& value) {
  if (value.is_number_unsigned() &&
      value.get<unsigned long long>() > (1ull << 53)) {
    return 1ll << 53;  // Out of every range the catalogue sets.
  }
  if (value.is_number_integer()) return value.get<long long>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::floor(d) != d || std::fabs(d) > 1e15) return std::nullopt;
    return static_cast<long long>(d);
  }
  long long number = 0;
  if (value.is_string() &&
      absl::SimpleAtoi(absl::StripAsciiWhitespace(value.get<std::string>()),
                       &number) &&
      std::llabs(number) <= (1ll << 53)) {
    return number;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> FoldName(const std::string& field, const json& item,
                                     bool order, json* fixed) {
  *fixed = nullptr;
  if (item.is_string())
    return FoldText(field, item.get<std::string>(), order, fixed);
  if (item.is_object()) return FoldObject(field, item, order, fixed);
  if (item.is_number()) *fixed = item.dump();
  return FieldError(field, order
                               ? "expected a name or {\"name\", \"descending\"}"
                               : "expected a name or {\"name\", \"grain\"}");
}

absl::StatusOr<std::string> JoinWhere(const std::string& field,
                                      const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array()) {
    return FieldError(field, "expected a filter (a string) or a list of them");
  }
  std::vector<std::string> filters;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      return FieldError(absl::StrCat(field, "[", i, "]"),
                        "expected a filter (a string)");
    }
    std::string filter(absl::StripAsciiWhitespace(value[i].get<std::string>()));
    if (!filter.empty()) filters.push_back(std::move(filter));
  }
  if (filters.size() == 1) return filters[0];
  std::string joined;
  for (const std::string& filter : filters) {
    absl::StrAppend(&joined, joined.empty() ? "" : " AND ", "(", filter, ")");
  }
  return joined;
}

absl::Status CheckWhereDates(const std::string& field, const std::string& where,
                             absl::CivilDay today) {
  // Quoted literals, '' escaping a quote inside one.
  for (size_t open = where.find('\''); open != std::string::npos;) {
    size_t close = open + 1;
    while (close < where.size() &&
           (where[close] != '\'' ||
            (close + 1 < where.size() && where[close + 1] == '\''))) {
      close += where[close] == '\'' ? 2 : 1;
    }
    if (close >= where.size()) break;
    const std::string literal = where.substr(open + 1, close - open - 1);
    if (std::optional<DateRange> range = RelativeDates(literal, today)) {
      // The comparison before the literal decides which end is meant.
      absl::string_view before = absl::StripTrailingAsciiWhitespace(
          absl::string_view(where).substr(0, open));
      const bool upper =
          absl::EndsWith(before, "<") || absl::EndsWith(before, "<=");
      const std::string iso = IsoDay(upper ? range->end : range->start);
      std::string fixed =
          absl::StrCat(where.substr(0, open + 1), iso, where.substr(close));
      return Refuse(
          field,
          absl::StrCat("'", literal, "' at position ", open,
                       " is not a date; on ", IsoDay(today), " (UTC) it means ",
                       IsoDay(range->start), " to ", IsoDay(range->end),
                       ": write '", iso, "'"),
          field, fixed);
    }
    open = where.find('\'', close + 1);
  }
  return absl::OkStatus();
}

absl::Status CheckTime(const std::string& field, const std::string& text,
                       bool end, const json& arguments, absl::CivilDay today) {
  if (LooksIso(text) && !LooseIsoDate(text).has_value()) {
    return absl::OkStatus();  // The worker checks the rest.
  }
  if (std::optional<DateRange> range = RelativeDates(text, today)) {
    Fix fix;
    const char* other = end ? "start_time" : "end_time";
    fix.set[field] = IsoDay(end ? range->end : range->start);
    if (!arguments.contains(other)) {
      fix.set[other] = IsoDay(end ? range->start : range->end);
    }
    return WithFix(
        FieldError(field, absl::StrCat(
                              "\"", text, "\" is not a date; on ",
                              IsoDay(today), " (UTC) it means ",
                              IsoDay(range->start), " to ", IsoDay(range->end),
                              ": write start_time \"", IsoDay(range->start),
                              "\" and end_time \"", IsoDay(range->end), "\"")),
        fix);
  }
  if (std::optional<std::string> iso = LooseIsoDate(text)) {
    return Refuse(
        field,
        absl::StrCat("write ISO-8601: \"", *iso, "\", not \"", text, "\""),
        field, *iso);
  }
  return absl::OkStatus();  // The worker refuses it, naming what is wrong.
}

}  // namespace mfgate::tools
