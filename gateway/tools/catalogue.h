// The catalogue of MetricFlow tools: names, arguments, schemas, descriptions.
//
// Each tool is described once, as data (ToolSpec); its MCP inputSchema is
// generated from the same argument list that args.h checks calls against, so
// the schema a model sees and the checks it meets cannot drift apart. The
// names other MCP servers give a tool or an argument (mcp-metricflow's
// `query_tool`, dbt-mcp's `query_metrics` and `order_by`) are aliases in the
// same table: accepted in every call, and shown in tools/list only to a
// tenant that chose that naming. Immutable after construction; safe from any
// thread.
#ifndef MFGATE_GATEWAY_TOOLS_CATALOGUE_H_
#define MFGATE_GATEWAY_TOOLS_CATALOGUE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// MetricFlow's standard time grains, finest first: what a time name may
// end with (metric_time__month).
inline constexpr absl::string_view kGrains[] = {
    "nanosecond", "microsecond", "millisecond", "second",  "minute", "hour",
    "day",        "week",        "month",       "quarter", "year"};
bool IsGrain(absl::string_view word);

// A result's response budget in characters (budget.h): the default of a
// tenant that sets none (as dbt-mcp's), and the range a tenant or a call may
// set (below 500 characters no result says anything; above 1,000,000 none
// fits a model's context).
inline constexpr long long kDefaultResponseChars = 16000;
inline constexpr long long kMinResponseChars = 500;
inline constexpr long long kMaxResponseChars = 1000000;

// Rows a query returns when it sets no limit (and the tenant's row bound is
// not lower).
inline constexpr long long kDefaultRows = 100;
// The most rows a query may ever ask for: the most a tenant's max_rows and a
// worker's --max-rows may be (each bounds it lower; 10,000 by default).
inline constexpr long long kMaxRows = 1000000;

// Whose names a tool or an argument goes by.
enum class Naming { kMfgate, kDbtMcp, kMcpMetricflow };

// "mfgate", "dbt-mcp", "mcp-metricflow"; false for any other text.
bool ParseNaming(absl::string_view text, Naming* naming);

struct Alias {
  Naming naming;
  std::string name;
};

struct ArgSpec {
  enum class Type {
    kString,
    kStringList,  // A list, or one string ("a" or "a,b").
    kInteger,
    kBoolean,
    kSearch,       // A string or a list of strings.
    kGroupByList,  // Names, or {name, type?, grain?} objects.
    kOrderList,    // Names ("-" descending), or {name, descending?, grain?}.
    kWhere,        // A filter, or a list of filters that must all hold.
    kTime,         // An ISO-8601 date or timestamp.
  };
  std::string name;
  Type type;
  bool required = false;
  // Says the forms accepted, with one example.
  std::string description;
  // One value in the accepted shape: the schema's `examples`, and what a
  // refusal shows when the caller's own value cannot be corrected.
  nlohmann::json example;
  // Integers: the accepted range.
  long long min = 0;
  long long max = 0;
  std::vector<Alias> aliases;
  // The worker's name for the field, when it is not `name` (errors that
  // come back name it so).
  std::string worker_field;
  // Names (metrics, dimensions...): folded to lower case, as MetricFlow
  // requires every name to be.
  bool lower_case = false;
  // An integer a tenant may bound below `max` (ListingOptions).
  enum class TenantBound { kNone, kRows, kResponseChars };
  TenantBound tenant_bound = TenantBound::kNone;
};

struct ToolSpec {
  std::string name;
  std::string title;
  std::string description;
  std::vector<ArgSpec> args;
  nlohmann::json output_schema;
  // Answered from the semantic manifest alone (list_metrics and the like):
  // brief, and kept by the gateway and revalidated by manifest hash
  // (kept_answers.h).
  bool metadata = false;
  std::vector<Alias> aliases;
  // A whole call, as the description shows it.
  nlohmann::json example;
};

// Every tool, in the order tools/list shows them.
const std::vector<ToolSpec>& Catalogue();

// The tool called `name`, by its own name or an alias; nullptr if none.
const ToolSpec* FindTool(absl::string_view name);

// The argument of `spec` called `name` (or an alias of it); nullptr if none.
const ArgSpec* FindArg(const ToolSpec& spec, absl::string_view name);

// The name `spec` (or `arg`) goes by in `naming`: its alias there, else its
// own.
const std::string& NameIn(const ToolSpec& spec, Naming naming);
const std::string& NameIn(const ArgSpec& arg, Naming naming);

// What a tenant's tools/list shows beyond the catalogue.
// The bounds are the schemas' maximum, the defaults their `default`.
struct ListingOptions {
  Naming naming = Naming::kMfgate;
  long long max_limit = 10000;             // The largest `limit` a query takes.
  long long default_limit = kDefaultRows;  // The rows of a query without one.
  long long max_response_chars = 100000;   // The largest per-call budget.
  long long default_response_chars = kDefaultResponseChars;
};

// The tools/list entry of `spec`, named as `options.naming` names it.
nlohmann::json ToolListing(const ToolSpec& spec,
                           const ListingOptions& options = {});

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_CATALOGUE_H_
