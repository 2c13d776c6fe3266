// JSON-RPC 2.0 messages as MCP uses them: parsing a message or a batch of
// them, and building responses, errors and notifications.
//
// Parsing never throws and is bounded (common/json_parse.h): a text that is
// not a valid message yields the error response to send back, with a null id
// when the text's own id cannot be read:
//   -32700  not JSON, or a number that overflows a double (`1e400`);
//   -32600  longer than the size limit, nested deeper than 64 levels, an
//           empty or oversized batch, or JSON that is not a valid message;
//   -32602  `params` that is not an object or an array;
//   -32603  the parser failed otherwise (e.g. out of memory).
// Stateless; safe from any thread; ParseMessages is a pure function of its
// arguments (a fuzz target can call it directly).
#ifndef MFGATE_GATEWAY_MCP_JSONRPC_H_
#define MFGATE_GATEWAY_MCP_JSONRPC_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

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
  // MCP 2026-07-28: HTTP headers that disagree with the body; a client
  // capability the request needs but did not declare; a protocol version
  // the server does not serve.
  kHeaderMismatch = -32020,
  kMissingClientCapability = -32021,
  kUnsupportedProtocolVersion = -32022,
};

// The message of the kInvalidRequest error answering a request whose id is
// that of one still in flight, whatever the transport.
inline constexpr char kIdInUseMessage[] = "Invalid Request: id already in use";

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

// The largest message text accepted unless a transport says otherwise.
inline constexpr size_t kMaxMessageBytes = 4u << 20;
// Most messages in one batch.
inline constexpr size_t kMaxBatchMessages = 64;

// What one text (a stdio line, an HTTP body) holds: one message, or a batch
// (a JSON array) of them.
struct Incoming {
  // The text is a batch; `items` are its elements, in order, each parsed on
  // its own (an invalid element is an error item, its neighbours stand).
  bool batch = false;
  // Exactly one item when not a batch: the message, or the error answering
  // the whole text (an empty or oversized batch is one error too).
  std::vector<Parsed> items;
};

Incoming ParseMessages(absl::string_view text,
                       size_t max_bytes = kMaxMessageBytes);

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
