// CheckParams: the types of the params of every method a Session serves,
// checked against one table before any handler reads them.
//
// A handler may then read the fields the table names without checking their
// types again: a string is a string, an object an object. A field that is
// absent or null is accepted unless the table requires it. Stateless; safe
// from any thread.
#ifndef MFGATE_GATEWAY_MCP_PARAMS_H_
#define MFGATE_GATEWAY_MCP_PARAMS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// OK when `params` (null when absent) fits the table's entry for `method`,
// and its `_meta` fits MCP's (an object whose progressToken is a string or
// an integer). Otherwise InvalidArgument naming the field by its path:
// "\"argument.value\" must be a string". Methods the table does not know
// are checked for `_meta` alone.
absl::Status CheckParams(absl::string_view method,
                         const nlohmann::json& params);

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_PARAMS_H_
