// The HTTP headers a modern (2026-07-28) MCP request carries beside its
// body, and their check against it.
//
// A modern POST names its protocol version (MCP-Protocol-Version), its
// method (Mcp-Method) and, for tools/call, prompts/get and resources/read,
// the tool, prompt or resource it addresses (Mcp-Name), so that proxies can
// route on headers; the server, which reads the body, must refuse a request
// whose headers are missing, malformed or disagree with it — else a proxy
// and the server could act on different requests. Values are compared
// after trimming optional whitespace, and after decoding the Base64
// sentinel form (`=?base64?...?=`, canonical padded Base64 only) where the
// name may use it.
//
// A tool may also name parameters to mirror into `Mcp-Param-{Name}` headers
// (`x-mcp-header` in its inputSchema): a tools/call whose arguments carry
// such a parameter (not null) must carry its header with the same value
// (integers compared as numbers, booleans as `true`/`false`), and one whose
// arguments do not must not carry it.
//
// Stateless; pure functions, safe from any thread.
#ifndef MFGATE_GATEWAY_TRANSPORT_MCP_HEADERS_H_
#define MFGATE_GATEWAY_TRANSPORT_MCP_HEADERS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/mcp/jsonrpc.h"
#include "nlohmann/json.hpp"

namespace mfgate::transport {

inline constexpr char kVersionHeader[] = "MCP-Protocol-Version";
inline constexpr char kMethodHeader[] = "Mcp-Method";
inline constexpr char kNameHeader[] = "Mcp-Name";

// A header's value by name (any case), "" when absent; and whether present.
struct HeaderSource {
  std::function<bool(const char* name)> has;
  std::function<std::string(const char* name)> get;
};

// The -32020 (HeaderMismatch) error answering `request` when its headers
// are missing, malformed or disagree with its body; nullopt when they agree.
std::optional<nlohmann::json> CheckModernHeaders(const mcp::Message& request,
                                                 const HeaderSource& headers);

// A parameter a tool mirrors into a header: the chain of `properties` keys
// that reaches it from the schema root, the header's name part (the header
// is `Mcp-Param-{header}`), and its JSON Schema type (integer, string or
// boolean).
struct HeaderParam {
  std::vector<std::string> path;
  std::string header;
  std::string type;
};

// The parameters `input_schema` mirrors into headers, or InvalidArgument
// when an `x-mcp-header` breaks the transport's rules: empty, not an HTTP
// token, not case-insensitively unique, on a type other than integer,
// string or boolean, or reachable other than through `properties` keys
// alone (under items, anyOf, $ref, ...). A client drops a tool so declared.
absl::StatusOr<std::vector<HeaderParam>> HeaderParams(
    const nlohmann::json& input_schema);

// The -32020 error answering tools/call `request`, whose tool has
// `input_schema`, when its Mcp-Param-* headers are missing, malformed or
// disagree with its arguments; nullopt when they agree (or the schema
// declares none, or declares them invalidly: such a tool mirrors nothing).
std::optional<nlohmann::json> CheckParamHeaders(
    const mcp::Message& request, const nlohmann::json& input_schema,
    const HeaderSource& headers);

// The HTTP status of a modern response: 404 for an unknown method, 400 for
// the errors the revision gives that status (HeaderMismatch, a missing
// client capability, an unsupported version, invalid _meta), else 200.
// `response` is the response's JSON text.
int ModernHttpStatus(absl::string_view response);

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_MCP_HEADERS_H_
