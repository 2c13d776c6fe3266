// Session's handling of tools/call: admission (tool, arguments, concurrency
// cap, duplicate ids), then the call itself on a thread of its own, inside a
// catch-all so that whatever a tool throws is answered -32603 and the call
// is always forgotten.
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/thread_cache.h"
#include "gateway/mcp/input_round.h"
#include "gateway/mcp/session.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// How long a tool may wait for the client to answer a sampling or
// elicitation request (a person may be answering).
constexpr absl::Duration kClientRequestTimeout = absl::Minutes(10);

}  // namespace

void Session::StartToolCall(const Message& request,
                            const RequestContext& context, bool caller_waits) {
  // Types were checked (params.h): name is a string, arguments an object or
  // absent, the progress token a string or an integer.
  const json& params = request.params;
  const json& id = request.id;
  const std::string name = params["name"].get<std::string>();
  if (!tools_->HasTool(name)) {
    Send(MakeError(id, kInvalidParams, absl::StrCat("Unknown tool: ", name)),
         id);
    return;
  }
  json arguments =
      params.contains("arguments") && !params["arguments"].is_null()
          ? params["arguments"]
          : json::object();
  // A later round of a multi-round call: its answers, and the state its
  // previous round kept (request_state.h), for the call or its task.
  RequestContext round = context;
  if (context.stateless) {
    absl::Status read = ReadInputRound(params, "tool", name,
                                       &round.input_responses, &round.state);
    if (!read.ok()) {
      Send(MakeError(id, kInvalidParams, std::string(read.message())), id);
      return;
    }
  }
  if (StartTask(request, round, name, arguments)) return;
  json progress_token;
  if (params.contains("_meta") && params["_meta"].is_object() &&
      params["_meta"].contains("progressToken")) {
    progress_token = params["_meta"]["progressToken"];
  }
  auto token = std::make_shared<CancellationToken>();
  const std::string key = IdKey(id);
  if (!BeginCall(id, key, token)) return;
  const bool on_caller =
      caller_waits && progress_token.is_null() && tools_->BriefAndQuiet(name);
  auto run = [this, id, key, name, arguments = std::move(arguments),
              progress_token, token, context = std::move(round)] {
    RunToolCall(id, name, arguments, progress_token, token, context);
    EndToolCall(key, token);
  };
  // Calls block on their worker: each gets a thread of its own, reused,
  // unless the caller's thread would only wait for it.
  if (on_caller) {
    run();
    return;
  }
  try {
    if (!ThreadCache::Shared().TryRun(std::move(run))) {
      // Every thread of the process is busy with a call: refuse, do not
      // park one more.
      token->Cancel();
      EndToolCall(key, token);
      Send(MakeError(id, kServerBusy,
                     absl::StrCat("the gateway is busy: ",
                                  ThreadCache::Shared().max_threads(),
                                  " calls are in flight; retry in a second")),
           id);
    }
  } catch (const std::exception& error) {
    // No thread for the call: answer it here, and make sure that a task
    // that still runs later sends nothing.
    LogError(absl::StrCat("session: cannot start tools/call: ", error.what()));
    token->Cancel();
    EndToolCall(key, token);
    Send(MakeError(id, kInternalError, "Internal error"), id);
  }
}

void Session::RunToolCall(const json& id, const std::string& name,
                          const json& arguments, const json& progress_token,
                          const std::shared_ptr<CancellationToken>& token,
                          const RequestContext& request_context) {
  const json& capabilities = request_context.client_capabilities;
  std::optional<ToolResult> result;
  std::string failure;
  // The capability a modern request's call needed of its client and the
  // client did not declare: the call is answered -32021 naming it.
  auto missing = std::make_shared<std::string>();
  // The inputs a multi-round call asked for, and the state it keeps.
  InputRequests inputs(capabilities);
  json kept_state;
  try {
    ToolCallContext context;
    context.cancellation = token.get();
    context.client_capabilities = capabilities;
    context.caller = options_.caller;
    context.report_progress = [this, id, progress_token, token](
                                  double progress, double total,
                                  const std::string& message) {
      if (progress_token.is_null() || token->cancelled()) return;
      json params{{"progressToken", progress_token}, {"progress", progress}};
      if (total > 0) params["total"] = total;
      if (!message.empty()) params["message"] = message;
      Send(MakeNotification("notifications/progress", std::move(params)), id);
    };
    context.log = [this, id](const std::string& level, const json& data) {
      Log(level, data, id);
    };
    context.request_client = [this, id, token, capabilities, missing,
                              stateless = request_context.stateless,
                              version = request_context.version](
                                 const std::string& method,
                                 const json& params) -> absl::StatusOr<json> {
      std::string needed = method.substr(0, method.find('/'));
      if (stateless && !capabilities.contains(needed)) {
        *missing = needed;
        return absl::FailedPreconditionError(absl::StrCat(
            "the client did not declare the '", needed, "' capability"));
      }
      if (stateless) {
        // The modern revision sends the server no requests on a response
        // stream.
        return absl::UnavailableError(absl::StrCat("the gateway cannot ask a ",
                                                   version, " client for ",
                                                   needed, " within a call"));
      }
      if (!capabilities.contains(needed)) {
        return absl::UnavailableError(
            absl::StrCat("the client does not support ", needed, " (no '",
                         needed, "' capability)"));
      }
      return client_requests_.Send(
          method, params, *token, [this, id](const json& m) { Send(m, id); },
          kClientRequestTimeout);
    };
    context.multi_round = request_context.stateless;
    context.input_responses = request_context.input_responses;
    context.state = request_context.state;
    context.require_input = [&inputs, stateless = request_context.stateless](
                                const std::string& key,
                                const std::string& method, const json& params) {
      if (stateless) inputs.Require(key, method, params);
    };
    result = tools_->CallTool(name, arguments, context);
    kept_state = context.state;
    if (missing->empty()) *missing = inputs.missing();
  } catch (const std::exception& error) {
    failure = error.what();
  } catch (...) {
    failure = "an unknown exception";
  }
  if (!result.has_value()) {
    LogError(absl::StrCat("session: tool ", name, " failed: ", failure));
  }
  try {
    // A cancelled request gets no response.
    if (token->cancelled()) {
      Send(nullptr, id);
    } else if (!missing->empty()) {
      Send(MissingCapabilityError(id, *missing), id);
    } else if (result.has_value() && !inputs.empty()) {
      Send(MakeResult(id, inputs.Result("tool", name, kept_state)), id);
    } else if (result.has_value()) {
      SendToolResponse(id, *result);
    } else {
      Send(MakeError(id, kInternalError, "Internal error"), id);
    }
  } catch (const std::exception& error) {
    LogError(
        absl::StrCat("session: cannot answer tool ", name, ": ", error.what()));
  }
}

bool Session::BeginCall(const json& id, const std::string& key,
                        const std::shared_ptr<CancellationToken>& token) {
  std::optional<json> refusal;  // Sent after the lock is released.
  {
    absl::MutexLock lock(&mu_);
    if (closed_) {
      refusal = json();  // Ends the request without a response.
    } else if (running_.count(key)) {
      refusal = MakeError(id, kInvalidRequest, kIdInUseMessage);
    } else if (static_cast<int>(running_.size()) >=
               options_.max_concurrent_calls) {
      refusal = MakeError(id, kServerBusy,
                          absl::StrCat("too many concurrent requests (limit ",
                                       options_.max_concurrent_calls, ")"));
    } else {
      running_[key] = token;
    }
  }
  if (!refusal.has_value()) return true;
  Send(*refusal, id);
  return false;
}

void Session::EndToolCall(const std::string& key,
                          const std::shared_ptr<CancellationToken>& token) {
  absl::MutexLock lock(&mu_);
  auto running = running_.find(key);
  if (running != running_.end() && running->second == token) {
    running_.erase(running);
  }
}

}  // namespace mfgate::mcp
