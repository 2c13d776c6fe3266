// JSON-RPC 2.0 messages as MCP uses them: parsing one message and building
// responses, errors and notifications.
//
// Parsing never throws: a text that is not a valid message yields the error
// response to send back (-32700 for malformed JSON, with a null id; -32600 for
// a well-formed value that is not a valid request). Stateless; safe from any
// thread.
#ifndef MFGATE_GATEWAY_MCP_JSONRPC_H_
#define MFGATE_GATEWAY_MCP_JSONRPC_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// JSON-RPC and MCP error codes.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  // Implementation-defined server errors.
  kServerBusy = -32000,
};

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind;
  nlohmann::json id;      // Requests and responses: a string or an integer.
  std::string method;     // Requests and notifications.
  nlohmann::json params;  // Object or array; null when absent.
  nlohmann::json body;    // Responses: the whole message.
};

// The outcome of parsing one message: exactly one of the two is set.
struct Parsed {
  std::optional<Message> message;
  std::optional<nlohmann::json> error_response;
};

Parsed ParseMessage(absl::string_view text);

nlohmann::json MakeResult(const nlohmann::json& id, nlohmann::json result);
nlohmann::json MakeError(const nlohmann::json& id, int code,
                         const std::string& message,
                         const nlohmann::json& data = nullptr);
nlohmann::json MakeNotification(const std::string& method,
                                nlohmann::json params);

// The id as a map key (its JSON text: 1 and "1" stay distinct).
std::string IdKey(const nlohmann::json& id);

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_JSONRPC_H_
