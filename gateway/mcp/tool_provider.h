// The seam between the MCP protocol layer and what the tools do.
//
// The protocol layer (gateway/mcp) knows JSON-RPC and MCP's lifecycle but not
// MetricFlow; a ToolProvider (gateway/tools) knows MetricFlow's tools but not
// JSON-RPC. One provider serves every session of one tenant, concurrently:
// implementations must be thread-safe.
#ifndef MFGATE_GATEWAY_MCP_TOOL_PROVIDER_H_
#define MFGATE_GATEWAY_MCP_TOOL_PROVIDER_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/mcp/tool_result.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// Set once when the client cancels a request (notifications/cancelled) or the
// session ends. Callbacks registered before or after the cancel run exactly
// once. Thread-safe.
class CancellationToken {
 public:
  CancellationToken() = default;
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  // Marks the token cancelled and runs the registered callbacks (once).
  void Cancel() {
    std::function<void()> callback;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return;
      cancelled_ = true;
      callback = std::move(on_cancel_);
    }
    if (callback) callback();
  }

  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Runs `callback` when cancelled (at once if already cancelled). A later
  // registration replaces an earlier one that has not run yet.
  void OnCancel(std::function<void()> callback) {
    {
      absl::MutexLock lock(&mu_);
      if (!cancelled_) {
        on_cancel_ = std::move(callback);
        return;
      }
    }
    callback();
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_cancel_ ABSL_GUARDED_BY(mu_);
};

// Multi-round-trip input (SEP-2322; input_round.h): what a request that
// needs input from its client sees of its round. `multi_round` is false outside
// a modern request, where the server sends its client no requests: there
// require_input does nothing. `input_responses`: this round's answers by
// key (an object, empty in the first round). `state`: what the request kept
// from its previous round (null in the first); what the handler leaves
// there is kept for its next, sealed. A request whose round asked for input
// is answered with an InputRequiredResult asking for all of it (what the
// handler returned is dropped). A client that lacks the capability an input
// needs gets -32021 instead.
struct InputRound {
  bool multi_round = false;
  nlohmann::json input_responses = nlohmann::json::object();
  nlohmann::json state;
  std::function<void(const std::string& key, const std::string& method,
                     const nlohmann::json& params)>
      require_input;
};

// What a tool call knows of the request that carries it. The callbacks are
// always set (no-ops where they do not apply) and may be called from the
// tool's thread only while CallTool runs.
struct ToolCallContext : InputRound {
  // Cancelled when the client cancels this request. Never null.
  CancellationToken* cancellation = nullptr;
  // Sends notifications/progress when the request carried a progressToken;
  // a no-op otherwise. `total` <= 0 means unknown.
  std::function<void(double progress, double total, const std::string& message)>
      report_progress;
  // Sends notifications/message at `level` (debug ... emergency) when the
  // client asked for that level with logging/setLevel.
  std::function<void(const std::string& level, const nlohmann::json& data)> log;
  // Sends a request to the client (e.g. sampling/createMessage,
  // elicitation/create) and waits for its result; the error of a JSON-RPC
  // error response, Unavailable when the client lacks the capability,
  // Cancelled when this call is cancelled.
  std::function<absl::StatusOr<nlohmann::json>(const std::string& method,
                                               const nlohmann::json& params)>
      request_client;
  // The `capabilities` the client declared (at initialize, or in a modern
  // request's _meta).
  nlohmann::json client_capabilities = nlohmann::json::object();
  // Who asks, as the worker shares its engines among callers: an opaque,
  // stable name of the session (SessionOptions::caller); empty: none.
  std::string caller;
};

class ToolProvider {
 public:
  virtual ~ToolProvider() = default;

  // The `tools` array of a tools/list result: each entry has name,
  // description, inputSchema and, where defined, outputSchema and annotations.
  virtual nlohmann::json ListTools() const = 0;

  // Whether `name` is a tool of this provider (aliases included).
  virtual bool HasTool(const std::string& name) const = 0;

  // Whether a call of `name` is brief and quiet: bounded by a short deadline
  // (seconds, not minutes), and sending nothing to the client before its
  // response other than the progress the client asked for (no logs, no
  // requests to the client). Such a call may run on a thread that can send
  // nothing, not even keep-alives, until the call returns.
  virtual bool BriefAndQuiet(const std::string& /*name*/) const {
    return false;
  }

  // Whether a call of `name` may run as a task (MCP tasks): a long call
  // whose client polls for its result.
  virtual bool SupportsTasks(const std::string& /*name*/) const {
    return false;
  }
  // Whether a call of `name` runs only as a task (its task support is
  // "required"; implies SupportsTasks): under a revision with tasks, a
  // call that is not one is refused (older revisions run it at once).
  virtual bool RequiresTask(const std::string& /*name*/) const { return false; }
  // Whether a call of `name` gathers its client's input in the rounds of
  // its request (SEP-2322) before it becomes a task (implies SupportsTasks):
  // for a 2026-07-28 client that declared the tasks extension, its first
  // round runs as a call, answered with an InputRequiredResult when it
  // needs input (or with its result when it needs none), and the later
  // round that carries the answers runs as the task. Any other tool that
  // supports tasks runs as one from its first round, and asks through the
  // task for the input it needs (input_required).
  virtual bool GathersInputFirst(const std::string& /*name*/) const {
    return false;
  }

  // Runs a tool and returns an MCP CallToolResult object: `content`, and
  // `structuredContent` / `isError` where they apply. Argument and execution
  // errors are results with isError=true (so a model can correct itself);
  // the protocol layer has already checked that the tool exists.
  virtual ToolResult CallTool(const std::string& name,
                              const nlohmann::json& arguments,
                              ToolCallContext& context) = 0;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_TOOL_PROVIDER_H_
