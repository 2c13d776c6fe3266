// Checks a tool call's JSON arguments against the tool's ArgSpecs and builds
// the worker request.
//
// Arguments are found by their name or an alias (dbt-mcp's `order_by`), read
// in every shape arg_shapes.h accepts, and normalized: lists as arrays of
// names in lower case (a string "a,b" is a list too), group_by and order
// objects folded to MetricFlow's names, where lists joined, and an order
// name without its grain given group_by's (`metric_time` ordering a query
// grouped by `metric_time__month`). Errors are precise: they name the
// argument as the caller wrote it ("order_by[0].descending: must be true or
// false") and carry a fix where the meaning is clear (refusal.h); the
// provider returns them as isError results, as MCP asks for input errors, so
// a model can correct its call. Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_ARGS_H_
#define MFGATE_GATEWAY_TOOLS_ARGS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/tools/catalogue.h"
#include "mfgate/v1/worker.pb.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// A tenant's bounds on arguments the catalogue bounds more loosely.
struct ArgBounds {
  long long max_rows = 10000;  // A query's `limit`.
  // The rows of a query that sets no `limit`, as its worker says
  // (MetricFlowTools::DefaultRows: kDefaultRows until it has said). A query
  // that sets none is sent the smaller of it and max_rows: always a limit,
  // never more than max_rows, whatever the worker's default has since become.
  long long default_rows = kDefaultRows;
  long long max_response_chars = 1000000;  // `max_response_chars`.
};

struct CheckedArgs {
  // Argument name -> normalized value; optional arguments not given are
  // absent.
  nlohmann::json values = nlohmann::json::object();
  // Argument name -> the name the caller wrote for it.
  std::map<std::string, std::string> written;

  // The name the caller wrote for `name` (`name` itself if none).
  std::string Written(const std::string& name) const;
};

// `arguments` checked and normalized. `today` reads relative dates in
// refusals (dates.h).
absl::StatusOr<CheckedArgs> CheckArguments(const ToolSpec& spec,
                                           const nlohmann::json& arguments,
                                           const ArgBounds& bounds,
                                           absl::CivilDay today);

// Builders from checked arguments (CheckedArgs::values). A query that runs
// without an order is ordered by its group_by items.
v1::QueryRequest BuildQuery(const nlohmann::json& args, bool compile_only);
v1::ListMetricsRequest BuildListMetrics(const nlohmann::json& args);
v1::ListDimensionsRequest BuildListDimensions(const nlohmann::json& args);
v1::ListEntitiesRequest BuildListEntities(const nlohmann::json& args);
v1::ListDimensionValuesRequest BuildListDimensionValues(
    const nlohmann::json& args);
v1::ListSavedQueriesRequest BuildListSavedQueries(const nlohmann::json& args);
v1::ValidateConfigsRequest BuildValidateConfigs(const nlohmann::json& args);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_ARGS_H_
