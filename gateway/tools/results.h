// Turns worker replies into the content of MCP CallToolResults.
//
// Each reply becomes a Content (budget.h): the structuredContent matching
// the tool's outputSchema, and the text a model reads — a short summary and
// the rows as a Markdown table, or the items as a list — which budget.h fits
// to the response budget. Errors — from the arguments, the worker or the
// transport — become `isError: true` results whose text names the field,
// carries MetricFlow's suggestions and, where the caller can fix the call, an
// example of the call corrected (corrections.h). Stateless; safe from any
// thread.
#ifndef MFGATE_GATEWAY_TOOLS_RESULTS_H_
#define MFGATE_GATEWAY_TOOLS_RESULTS_H_

#include <string>

#include "absl/status/status.h"
#include "gateway/tools/budget.h"
#include "mfgate/v1/worker.pb.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// An error result; `example`, when not null, is the corrected arguments of
// the tool called `tool`.
nlohmann::json ErrorResult(const absl::Status& status,
                           const nlohmann::json& example = nullptr,
                           const std::string& tool = "");

Content QueryContent(const v1::QueryResponse& response, bool sql_only);
Content ListMetricsContent(const v1::ListMetricsResponse& response);
Content ListDimensionsContent(const v1::ListDimensionsResponse& response);
Content ListEntitiesContent(const v1::ListEntitiesResponse& response);
Content ListDimensionValuesContent(
    const v1::ListDimensionValuesResponse& response);
Content ListSavedQueriesContent(const v1::ListSavedQueriesResponse& response);
Content ValidateConfigsContent(const v1::ValidateConfigsResponse& response);
Content HealthChecksContent(const v1::HealthChecksResponse& response);

// One cell as JSON: numbers, booleans, strings (times as ISO text), null.
nlohmann::json ValueToJson(const v1::Value& value);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_RESULTS_H_
