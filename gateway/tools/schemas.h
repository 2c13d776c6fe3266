// The JSON Schemas of the catalogue: each tool's outputSchema, and each
// argument's inputSchema entry (ToolListing in catalogue.h builds the
// latter). Every output carries what the response budget reports
// (budget.h): `budget`, and for a cut result `truncated`, `next_cursor`,
// `note` and `hint`. Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_SCHEMAS_H_
#define MFGATE_GATEWAY_TOOLS_SCHEMAS_H_

#include "gateway/tools/catalogue.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools::schemas {

nlohmann::json QueryOutput();
// {<items>: [item], total, ...}: a metadata listing.
nlohmann::json ListOutput(const char* items, nlohmann::json item);
nlohmann::json MetricItem();
nlohmann::json DimensionItem();
nlohmann::json EntityItem();
nlohmann::json SavedQueryItem();
nlohmann::json DimensionValuesOutput();
nlohmann::json ValidateConfigsOutput();
nlohmann::json HealthChecksOutput();

// The inputSchema entry of `arg`, as `naming` names things; `max` bounds an
// integer in place of arg.max when positive (a tenant's smaller limit), and
// `default_value`, when positive, is its `default` (the tenant's).
nlohmann::json ArgSchema(const ArgSpec& arg, long long max,
                         long long default_value);

}  // namespace mfgate::tools::schemas

#endif  // MFGATE_GATEWAY_TOOLS_SCHEMAS_H_
