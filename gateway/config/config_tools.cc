// A tenant's tools and bounds: "tools", "response_budget" and
// "query_limits" in the JSON file, or the environment's DISABLE_TOOLS,
// ENABLE_TOOLS, MFGATE_TOOL_NAMING, MFGATE_RESPONSE_BUDGET_CHARS,
// MFGATE_MAX_ROWS and MFGATE_QUERY_TIMEOUT_SECONDS. Tool names are checked
// against the catalogue (any name of a tool will do) and kept as the
// catalogue names them.
#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/config/config_util.h"

namespace mfgate::config::internal {
namespace {

using json = nlohmann::json;

constexpr double kMinBudgetChars = tools::kMinResponseChars;
constexpr double kMaxBudgetChars = tools::kMaxResponseChars;

std::string CatalogueNames() {
  std::vector<std::string> names;
  for (const tools::ToolSpec& spec : tools::Catalogue())
    names.push_back(spec.name);
  return absl::StrJoin(names, ", ");
}

// The catalogue names of `names` (each a tool's name or alias), or the
// error at `path` naming the one unknown.
absl::StatusOr<std::set<std::string>> ToolNames(
    const std::vector<std::string>& names, const std::string& path) {
  std::set<std::string> found;
  for (size_t i = 0; i < names.size(); ++i) {
    const tools::ToolSpec* spec = tools::FindTool(names[i]);
    if (spec == nullptr) {
      return At(absl::StrCat(path, "[", i, "]"),
                absl::StrCat("unknown tool '", names[i],
                             "' (tools: ", CatalogueNames(), ")"));
    }
    found.insert(spec->name);
  }
  return found;
}

// `allow` (when given) and `deny` as the set of tools not served.
absl::Status Resolve(const std::optional<std::set<std::string>>& allow,
                     const std::set<std::string>& deny, const std::string& path,
                     ToolSettings* tools) {
  tools->disabled = deny;
  for (const tools::ToolSpec& spec : tools::Catalogue()) {
    if (allow.has_value() && !allow->count(spec.name))
      tools->disabled.insert(spec.name);
  }
  if (tools->disabled.size() == tools::Catalogue().size()) {
    return At(path, "leaves no tool to serve");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<tools::Naming>> Namings(
    const std::vector<std::string>& names, const std::string& path) {
  std::vector<tools::Naming> namings;
  for (size_t i = 0; i < names.size(); ++i) {
    tools::Naming naming;
    if (!tools::ParseNaming(names[i], &naming)) {
      return At(absl::StrCat(path, "[", i, "]"),
                "must be \"mfgate\", \"dbt-mcp\" or \"mcp-metricflow\"");
    }
    namings.push_back(naming);
  }
  if (namings.empty()) return At(path, "must name at least one naming");
  return namings;
}

// A JSON array of strings (a lone string is a list of one).
absl::StatusOr<std::vector<std::string>> Strings(const json& value,
                                                 const std::string& path) {
  if (value.is_string()) return std::vector<std::string>{value};
  if (!value.is_array()) return At(path, "must be an array of strings");
  std::vector<std::string> strings;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string())
      return At(absl::StrCat(path, "[", i, "]"), "must be a string");
    strings.push_back(value[i]);
  }
  return strings;
}

absl::Status ParseTools(const json& section, const std::string& path,
                        ToolSettings* tools) {
  if (!section.is_object()) return At(path, "must be an object");
  std::optional<std::set<std::string>> allow;
  std::set<std::string> deny;
  for (const auto& [key, value] : section.items()) {
    const std::string where = absl::StrCat(path, ".", key);
    auto strings = Strings(value, where);
    if (!strings.ok()) return strings.status();
    if (key == "allow" || key == "deny") {
      auto names = ToolNames(*strings, where);
      if (!names.ok()) return names.status();
      (key == "allow" ? allow.emplace() : deny) = *names;
    } else if (key == "naming") {
      auto namings = Namings(*strings, where);
      if (!namings.ok()) return namings.status();
      tools->naming = *namings;
    } else {
      return At(where, "unknown key (keys: allow, deny, naming)");
    }
  }
  return Resolve(allow, deny, path, tools);
}

absl::Status CheckBudget(const ResponseBudget& budget,
                         const std::string& path) {
  if (budget.default_chars > budget.max_chars) {
    return At(path, "default_chars is more than max_chars");
  }
  return absl::OkStatus();
}

// The comma-separated list in `env`'s `name`; nullopt when unset or empty.
std::optional<std::vector<std::string>> EnvList(const Environment& env,
                                                const std::string& name) {
  const std::string value = Get(env, name);
  if (value.empty()) return std::nullopt;
  std::vector<std::string> items;
  for (absl::string_view item :
       absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    items.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return items;
}

// `env`'s `name` as a number in [min, max], into `out`; unset leaves it.
absl::Status EnvNumber(const Environment& env, const std::string& name,
                       double min, double max, double* out) {
  const std::string value = Get(env, name);
  if (value.empty()) return absl::OkStatus();
  double number = 0;
  if (!absl::SimpleAtod(value, &number) || number < min || number > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a number in [", min, ", ", max, "], not '",
                     value, "'"));
  }
  *out = number;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseTenantTools(const json& item, const std::string& path,
                              TenantConfig* tenant) {
  if (item.contains("tools")) {
    if (absl::Status s =
            ParseTools(item["tools"], path + ".tools", &tenant->tools);
        !s.ok()) {
      return s;
    }
  }
  if (item.contains("response_budget")) {
    ResponseBudget& budget = tenant->response_budget;
    const std::string where = path + ".response_budget";
    if (absl::Status s =
            ParseNumbers(item["response_budget"], where,
                         {{"default_chars", kMinBudgetChars, kMaxBudgetChars,
                           [&](double v) { budget.default_chars = v; }},
                          {"max_chars", kMinBudgetChars, kMaxBudgetChars,
                           [&](double v) { budget.max_chars = v; }}});
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckBudget(budget, where); !s.ok()) return s;
  }
  if (item.contains("query_limits")) {
    QueryLimits& limits = tenant->query_limits;
    if (absl::Status s = ParseNumbers(
            item["query_limits"], path + ".query_limits",
            {{"max_rows", 1, tools::kMaxRows,
              [&](double v) { limits.max_rows = static_cast<long long>(v); }},
             {"timeout_seconds", 0.001, 86400,
              [&](double v) { limits.timeout = absl::Seconds(v); }}});
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyToolEnvironment(const Environment& env,
                                  TenantConfig* tenant) {
  std::optional<std::set<std::string>> allow;
  std::set<std::string> deny;
  // ENABLE_TOOLS, or dbt-mcp's name for it.
  for (const char* name : {"ENABLE_TOOLS", "DBT_MCP_ENABLE_TOOLS"}) {
    if (auto names = EnvList(env, name); names.has_value() && !allow) {
      auto found = ToolNames(*names, name);
      if (!found.ok()) return found.status();
      allow = *found;
    }
  }
  if (auto names = EnvList(env, "DISABLE_TOOLS")) {
    auto found = ToolNames(*names, "DISABLE_TOOLS");
    if (!found.ok()) return found.status();
    deny = *found;
  }
  if (absl::Status s =
          Resolve(allow, deny, "ENABLE_TOOLS/DISABLE_TOOLS", &tenant->tools);
      !s.ok()) {
    return s;
  }
  if (auto names = EnvList(env, "MFGATE_TOOL_NAMING")) {
    auto namings = Namings(*names, "MFGATE_TOOL_NAMING");
    if (!namings.ok()) return namings.status();
    tenant->tools.naming = *namings;
  }
  double chars = tenant->response_budget.default_chars;
  double rows = tenant->query_limits.max_rows;
  double seconds = 0;
  for (auto [name, min, max, out] :
       {std::make_tuple("MFGATE_RESPONSE_BUDGET_CHARS", kMinBudgetChars,
                        kMaxBudgetChars, &chars),
        std::make_tuple("MFGATE_MAX_ROWS", 1.0,
                        static_cast<double>(tools::kMaxRows), &rows),
        std::make_tuple("MFGATE_QUERY_TIMEOUT_SECONDS", 0.001, 86400.0,
                        &seconds)}) {
    if (absl::Status s = EnvNumber(env, name, min, max, out); !s.ok()) {
      return s;
    }
  }
  // One figure from the environment: the default, raising the most a call
  // may ask for when it is higher.
  tenant->response_budget.default_chars = static_cast<long long>(chars);
  tenant->response_budget.max_chars = std::max(
      tenant->response_budget.max_chars, tenant->response_budget.default_chars);
  tenant->query_limits.max_rows = static_cast<long long>(rows);
  if (seconds > 0) tenant->query_limits.timeout = absl::Seconds(seconds);
  return absl::OkStatus();
}

}  // namespace mfgate::config::internal
