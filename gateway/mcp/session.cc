#include "gateway/mcp/session.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_text.h"
#include "common/thread_cache.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// RFC 5424 severities as MCP names them, least severe first.
constexpr absl::string_view kLogLevels[] = {"debug",   "info",     "notice",
                                            "warning", "error",    "critical",
                                            "alert",   "emergency"};

// How long a tool may wait for the client to answer a sampling or
// elicitation request (a person may be answering).
constexpr absl::Duration kClientRequestTimeout = absl::Minutes(10);

int LogLevelIndex(absl::string_view level) {
  for (int i = 0; i < 8; ++i) {
    if (kLogLevels[i] == level) return i;
  }
  return -1;
}

bool IsSupported(const std::string& version) {
  for (absl::string_view v : kProtocolVersions) {
    if (v == version) return true;
  }
  return false;
}

}  // namespace

void Session::Send(const json& message, const json& related) {
  Outgoing out;
  out.related = related;
  if (!message.is_null()) {
    out.text = std::make_shared<const std::string>(JsonText(message));
    out.is_response = message.is_object() && message.contains("id") &&
                      !message.contains("method");
    if (out.is_response) out.id = message["id"];
  }
  outbox_(out);
}

void Session::SendToolResponse(const json& id, const ToolResult& result) {
  // The members in the order MakeResult's dump writes them.
  auto text = std::make_shared<std::string>(absl::StrCat(
      "{\"id\":", JsonText(id), ",\"jsonrpc\":\"2.0\",\"result\":"));
  result.AppendTo(text.get());
  text->push_back('}');
  Outgoing out;
  out.text = std::move(text);
  out.is_response = true;
  out.id = id;
  out.related = id;
  outbox_(out);
}

Session::Session(Handlers handlers, SessionOptions options, Outbox outbox)
    : handlers_(handlers),
      tools_(handlers.tools),
      options_(std::move(options)),
      outbox_(std::move(outbox)) {}

Session::~Session() { Close(); }

std::string Session::protocol_version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

void Session::Close() {
  client_requests_.CancelAll();
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (auto& [id, token] : running_) token->Cancel();
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return running_.empty();
  };
  mu_.Await(absl::Condition(&idle));
}

void Session::Drain(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return running_.empty();
    };
    mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
  }
  Close();
}

void Session::HandleText(absl::string_view text) {
  Parsed parsed = ParseMessage(text);
  if (parsed.error_response.has_value()) {
    Send(*parsed.error_response);
    return;
  }
  Handle(*parsed.message);
}

void Session::Handle(const Message& message, bool caller_waits) {
  switch (message.kind) {
    case Message::Kind::kRequest:
      HandleRequest(message, caller_waits);
      break;
    case Message::Kind::kNotification:
      HandleNotification(message);
      break;
    case Message::Kind::kResponse:
      // An answer to a sampling or elicitation request; strays are dropped.
      client_requests_.Resolve(message.body);
      break;
  }
}

void Session::HandleNotification(const Message& notification) {
  if (notification.method != "notifications/cancelled") return;
  const json& params = notification.params;
  if (!params.is_object() || !params.contains("requestId")) return;
  absl::MutexLock lock(&mu_);
  auto running = running_.find(IdKey(params["requestId"]));
  if (running != running_.end()) running->second->Cancel();
}

json Session::Initialize(const json& params) {
  std::string asked;
  if (params.is_object() && params.contains("protocolVersion") &&
      params["protocolVersion"].is_string()) {
    asked = params["protocolVersion"].get<std::string>();
  }
  std::string chosen =
      IsSupported(asked) ? asked : std::string(kProtocolVersions[0]);
  {
    absl::MutexLock lock(&mu_);
    version_ = chosen;
    if (params.is_object() && params.contains("capabilities") &&
        params["capabilities"].is_object()) {
      client_capabilities_ = params["capabilities"];
    }
  }
  json server_info{{"name", options_.server_name},
                   {"version", options_.server_version}};
  if (chosen >= "2025-06-18") server_info["title"] = options_.server_title;
  json capabilities{{"tools", {{"listChanged", false}}},
                    {"logging", json::object()}};
  if (handlers_.resources != nullptr) {
    capabilities["resources"] = {{"subscribe", true}, {"listChanged", false}};
  }
  if (handlers_.prompts != nullptr)
    capabilities["prompts"] = {{"listChanged", false}};
  if (handlers_.completions != nullptr)
    capabilities["completions"] = json::object();
  json result{{"protocolVersion", chosen},
              {"capabilities", std::move(capabilities)},
              {"serverInfo", std::move(server_info)}};
  if (!options_.instructions.empty())
    result["instructions"] = options_.instructions;
  return result;
}

void Session::HandleRequest(const Message& request, bool caller_waits) {
  const std::string& method = request.method;
  const json& id = request.id;
  if (method == "initialize") {
    if (!protocol_version().empty()) {
      Send(MakeError(id, kInvalidRequest,
                     "Invalid Request: already initialized"),
           id);
      return;
    }
    Send(MakeResult(id, Initialize(request.params)), id);
    return;
  }
  if (method == "ping") {
    Send(MakeResult(id, json::object()), id);
    return;
  }
  if (protocol_version().empty()) {
    Send(MakeError(
             id, kInvalidRequest,
             "Invalid Request: session not initialized; send initialize first"),
         id);
    return;
  }
  const json& params = request.params;
  if (method == "tools/list") {
    if (params.is_object() && params.contains("cursor") &&
        !params["cursor"].is_null()) {
      Send(MakeError(
               id, kInvalidParams,
               "Invalid params: unknown cursor (all tools fit in one page)"),
           id);
      return;
    }
    Send(MakeResult(id, json{{"tools", tools_->ListTools()}}), id);
    return;
  }
  if (method == "tools/call") {
    StartToolCall(request, caller_waits);
    return;
  }
  if (method == "logging/setLevel") {
    int level = params.is_object() && params.contains("level") &&
                        params["level"].is_string()
                    ? LogLevelIndex(params["level"].get<std::string>())
                    : -1;
    if (level < 0) {
      Send(MakeError(
               id, kInvalidParams,
               "Invalid params: \"level\" must be one of debug, info, notice, "
               "warning, error, critical, alert, emergency"),
           id);
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      log_level_ = level;
    }
    Send(MakeResult(id, json::object()), id);
    return;
  }
  if (HandleCatalogRequest(request)) return;
  Send(MakeError(id, kMethodNotFound,
                 absl::StrCat("Method not found: ", method)),
       id);
}

void Session::StartToolCall(const Message& request, bool caller_waits) {
  const json& params = request.params;
  const json& id = request.id;
  if (!params.is_object() || !params.contains("name") ||
      !params["name"].is_string()) {
    Send(MakeError(id, kInvalidParams,
                   "Invalid params: \"name\" (the tool) must be a string"),
         id);
    return;
  }
  const std::string name = params["name"].get<std::string>();
  if (!tools_->HasTool(name)) {
    Send(MakeError(id, kInvalidParams, absl::StrCat("Unknown tool: ", name)),
         id);
    return;
  }
  json arguments =
      params.contains("arguments") ? params["arguments"] : json::object();
  if (arguments.is_null()) arguments = json::object();
  if (!arguments.is_object()) {
    Send(MakeError(id, kInvalidParams,
                   "Invalid params: \"arguments\" must be an object"),
         id);
    return;
  }
  json progress_token;
  if (params.contains("_meta") && params["_meta"].is_object() &&
      params["_meta"].contains("progressToken")) {
    progress_token = params["_meta"]["progressToken"];
  }
  auto token = std::make_shared<CancellationToken>();
  const std::string key = IdKey(id);
  json capabilities;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    if (running_.count(key)) {
      Send(
          MakeError(id, kInvalidRequest,
                    "Invalid Request: a request with this id is still running"),
          id);
      return;
    }
    if (static_cast<int>(running_.size()) >= options_.max_concurrent_calls) {
      Send(MakeError(id, kServerBusy,
                     absl::StrCat("too many concurrent requests (limit ",
                                  options_.max_concurrent_calls, ")")),
           id);
      return;
    }
    running_[key] = token;
    capabilities = client_capabilities_;
  }
  const bool on_caller =
      caller_waits && progress_token.is_null() && tools_->BriefAndQuiet(name);
  auto run = [this, id, key, name, arguments = std::move(arguments),
              progress_token, token, capabilities = std::move(capabilities)] {
    ToolCallContext context;
    context.cancellation = token.get();
    context.client_capabilities = capabilities;
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
    context.request_client = [this, id, token, capabilities](
                                 const std::string& method,
                                 const json& params) -> absl::StatusOr<json> {
      std::string needed = method.substr(0, method.find('/'));
      if (!capabilities.contains(needed)) {
        return absl::UnavailableError(
            absl::StrCat("the client does not support ", needed, " (no '",
                         needed, "' capability)"));
      }
      return client_requests_.Send(
          method, params, *token, [this, id](const json& m) { Send(m, id); },
          kClientRequestTimeout);
    };
    ToolResult result = tools_->CallTool(name, arguments, context);
    // A cancelled request gets no response.
    if (token->cancelled()) {
      Send(nullptr, id);
    } else {
      SendToolResponse(id, result);
    }
    absl::MutexLock lock(&mu_);
    running_.erase(key);
  };
  // Calls block on their worker: each gets a thread of its own, reused,
  // unless the caller's thread would only wait for it.
  if (on_caller) {
    run();
  } else {
    ThreadCache::Shared().Run(std::move(run));
  }
}

void Session::Log(absl::string_view level, const json& data,
                  const json& related) {
  int index = LogLevelIndex(level);
  {
    absl::MutexLock lock(&mu_);
    if (log_level_ < 0 || index < log_level_) return;
  }
  Send(MakeNotification("notifications/message",
                        json{{"level", std::string(level)},
                             {"logger", "mfgate"},
                             {"data", data}}),
       related);
}

}  // namespace mfgate::mcp
