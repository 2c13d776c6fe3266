// Checks a tool call's JSON arguments against the tool's ArgSpecs and builds
// the worker request.
//
// Errors are precise and name the argument ("limit: expected an integer,
// got string"); the provider returns them as isError results, as MCP asks
// for input errors, so a model can correct its call. A comma-separated string
// is accepted where a list of names is expected ("a,b"), since models send
// that. Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_ARGS_H_
#define MFGATE_GATEWAY_TOOLS_ARGS_H_

#include "absl/status/statusor.h"
#include "gateway/tools/catalogue.h"
#include "mfgate/v1/worker.pb.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// `arguments` checked and normalized (lists as arrays, booleans present).
absl::StatusOr<nlohmann::json> CheckArguments(const ToolSpec& spec,
                                              const nlohmann::json& arguments);

// Builders from checked arguments.
v1::QueryRequest BuildQuery(const nlohmann::json& args, bool compile_only);
v1::ListMetricsRequest BuildListMetrics(const nlohmann::json& args);
v1::ListDimensionsRequest BuildListDimensions(const nlohmann::json& args);
v1::ListEntitiesRequest BuildListEntities(const nlohmann::json& args);
v1::ListDimensionValuesRequest BuildListDimensionValues(
    const nlohmann::json& args);
v1::ValidateConfigsRequest BuildValidateConfigs(const nlohmann::json& args);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_ARGS_H_
