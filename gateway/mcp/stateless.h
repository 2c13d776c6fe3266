// The stateless stage: how a request of the modern MCP revision
// (2026-07-28) establishes its context — from its own `_meta` — where an
// older revision's request takes it from its session's `initialize`.
//
// A modern request carries, in params._meta, its protocol version
// (io.modelcontextprotocol/protocolVersion), its client's capabilities
// (.../clientCapabilities) and optionally a log level (.../logLevel). The
// stage checks them and yields a RequestContext, or the error that answers
// the request in its place:
//   -32602  _meta, its protocol version or its client capabilities is
//           missing or of the wrong type;
//   -32022  the version is not one this server serves statelessly (the
//           error's data lists the supported versions and echoes the
//           requested one);
//   -32601  a method the modern revision removed (initialize, ping,
//           logging/setLevel, resources/subscribe, resources/unsubscribe).
// It also builds what only the modern revision has: the server/discover
// result, and the members every modern result carries (resultType, and the
// caching hints of list and read results).
//
// Stateless; every function is pure and safe from any thread.
#ifndef MFGATE_GATEWAY_MCP_STATELESS_H_
#define MFGATE_GATEWAY_MCP_STATELESS_H_

#include <optional>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/providers.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// Revisions served statelessly (per-request _meta), newest first.
inline constexpr absl::string_view kModernVersions[] = {"2026-07-28"};

// The _meta keys of the modern revision.
inline constexpr char kMetaProtocolVersion[] =
    "io.modelcontextprotocol/protocolVersion";
inline constexpr char kMetaClientCapabilities[] =
    "io.modelcontextprotocol/clientCapabilities";
inline constexpr char kMetaLogLevel[] = "io.modelcontextprotocol/logLevel";
inline constexpr char kMetaServerInfo[] = "io.modelcontextprotocol/serverInfo";
// The tasks extension's name (capabilities.extensions).
inline constexpr char kTasksExtension[] = "io.modelcontextprotocol/tasks";

// What a request is served under: its revision, what its client can do,
// and the least severe log message it wants (-1: none).
struct RequestContext {
  std::string version;
  nlohmann::json client_capabilities = nlohmann::json::object();
  int log_level = -1;
  bool stateless = false;
  // The request's method (results are decorated per method).
  std::string method;
  // A later round of a multi-round request: the client's answers, and what
  // the request kept from its previous round (tool_provider.h).
  nlohmann::json input_responses = nlohmann::json::object();
  nlohmann::json state;
};

// Whether `version` is one of kModernVersions.
bool IsModernVersion(absl::string_view version);

// Whether `message` carries a modern protocol version in its _meta: it
// selects the stateless path whatever its method.
bool CarriesModernMeta(const Message& message);

// The context of modern request `request`, or the error response that
// answers it (see above).
std::variant<RequestContext, nlohmann::json> EstablishStateless(
    const Message& request);

// Every version this server speaks, modern and legacy, newest first.
nlohmann::json SupportedVersions();

// The server/discover result.
struct ServerIdentity {
  std::string name;
  std::string title;
  std::string version;
  std::string description;
  std::string instructions;
};
nlohmann::json DiscoverResult(const ServerIdentity& identity,
                              const nlohmann::json& capabilities);

// How long a client may keep a list or read result (ttlMs). What these
// results say changes only with the tenant's configuration (which the
// gateway rereads within a second of a change) or its semantic manifest
// (which the gateway hears of at once on the worker's manifest stream, and
// which changes only when an engine starts again). Nothing tells a
// stateless client of such a change, so the ttl is what bounds how long it
// keeps a list or resource the change made stale: a few seconds — enough to
// spare the repeated lists of one agent turn.
inline constexpr int kCacheTtlMs = 5000;

// Adds what a modern result of `method` carries: resultType, and for a
// complete list or read result the caching hints (unless the handler set
// them): kCacheTtlMs, and cacheScope "public" when `shared_view` (every
// caller sees the same, SessionOptions::shared_view), else "private". An
// interim (input_required) result carries none.
void DecorateModernResult(absl::string_view method, bool shared_view,
                          nlohmann::json* result);

// The members DecorateModernResult adds to a tools/call result, as JSON text
// to splice after the result's opening brace, before a comma (tool results
// arrive serialized).
inline constexpr char kModernToolResultMembers[] =
    "\"resultType\":\"complete\"";

// The error code of `code` under the modern revision (it renumbered
// "resource not found", -32002, to -32602).
int ModernErrorCode(int code);

// Log levels (RFC 5424 severities as MCP names them), least severe first;
// -1 for an unknown one.
int LogLevelIndex(absl::string_view level);
absl::string_view LogLevelName(int index);

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_STATELESS_H_
