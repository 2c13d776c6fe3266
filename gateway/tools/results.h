// Turns worker replies into MCP CallToolResults.
//
// Every successful result carries `structuredContent` matching the tool's
// outputSchema and a text block a person (or a model without structured
// output) can read; query results show a Markdown table. Errors — from the
// arguments, the worker or the transport — become `isError: true` results
// whose text names the field and carries MetricFlow's suggestions.
// Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_RESULTS_H_
#define MFGATE_GATEWAY_TOOLS_RESULTS_H_

#include "absl/status/status.h"
#include "mfgate/v1/worker.pb.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// Rows shown in a query's text table; structuredContent holds all of them.
inline constexpr int kTableRows = 50;

nlohmann::json ErrorResult(const absl::Status& status);

nlohmann::json QueryResult(const v1::QueryResponse& response, bool sql_only);
nlohmann::json ListMetricsResult(const v1::ListMetricsResponse& response);
nlohmann::json ListDimensionsResult(const v1::ListDimensionsResponse& response);
nlohmann::json ListEntitiesResult(const v1::ListEntitiesResponse& response);
nlohmann::json ListDimensionValuesResult(
    const v1::ListDimensionValuesResponse& response);
nlohmann::json ListSavedQueriesResult(
    const v1::ListSavedQueriesResponse& response);
nlohmann::json ValidateConfigsResult(
    const v1::ValidateConfigsResponse& response);
nlohmann::json HealthChecksResult(const v1::HealthChecksResponse& response);

// One cell as JSON: numbers, booleans, strings (times as ISO text), null.
nlohmann::json ValueToJson(const v1::Value& value);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_RESULTS_H_
