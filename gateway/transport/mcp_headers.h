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
// sentinel form (`=?base64?...?=`) where the name may use it.
//
// Stateless; pure functions, safe from any thread.
#ifndef MFGATE_GATEWAY_TRANSPORT_MCP_HEADERS_H_
#define MFGATE_GATEWAY_TRANSPORT_MCP_HEADERS_H_

#include <functional>
#include <optional>
#include <string>

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

// The HTTP status of a modern response: 404 for an unknown method, 400 for
// the errors the revision gives that status (HeaderMismatch, a missing
// client capability, an unsupported version, invalid _meta), else 200.
// `response` is the response's JSON text.
int ModernHttpStatus(absl::string_view response);

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_MCP_HEADERS_H_
