#include "gateway/mcp/session.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// RFC 5424 severities as MCP names them, least severe first.
constexpr absl::string_view kLogLevels[] = {"debug",   "info",     "notice",
                                            "warning", "error",    "critical",
                                            "alert",   "emergency"};

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

Session::Session(ToolProvider* tools, SessionOptions options, Outbox outbox)
    : tools_(tools), options_(std::move(options)), outbox_(std::move(outbox)) {}

Session::~Session() { Close(); }

std::string Session::protocol_version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

void Session::Close() {
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

void Session::Handle(const Message& message) {
  switch (message.kind) {
    case Message::Kind::kRequest:
      HandleRequest(message);
      break;
    case Message::Kind::kNotification:
      HandleNotification(message);
      break;
    case Message::Kind::kResponse:
      break;  // This server sends no requests yet; stray responses are dropped.
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
  }
  json server_info{{"name", options_.server_name},
                   {"version", options_.server_version}};
  if (chosen >= "2025-06-18") server_info["title"] = options_.server_title;
  json result{
      {"protocolVersion", chosen},
      {"capabilities",
       {{"tools", {{"listChanged", false}}}, {"logging", json::object()}}},
      {"serverInfo", server_info}};
  if (!options_.instructions.empty())
    result["instructions"] = options_.instructions;
  return result;
}

void Session::HandleRequest(const Message& request) {
  const std::string& method = request.method;
  if (method == "initialize") {
    if (!protocol_version().empty()) {
      Send(MakeError(request.id, kInvalidRequest,
                     "Invalid Request: already initialized"));
      return;
    }
    Send(MakeResult(request.id, Initialize(request.params)));
    return;
  }
  if (method == "ping") {
    Send(MakeResult(request.id, json::object()));
    return;
  }
  if (protocol_version().empty()) {
    Send(MakeError(
        request.id, kInvalidRequest,
        "Invalid Request: session not initialized; send initialize first"));
    return;
  }
  const json& params = request.params;
  if (method == "tools/list") {
    if (params.is_object() && params.contains("cursor") &&
        !params["cursor"].is_null()) {
      Send(MakeError(
          request.id, kInvalidParams,
          "Invalid params: unknown cursor (all tools fit in one page)"));
      return;
    }
    Send(MakeResult(request.id, json{{"tools", tools_->ListTools()}}));
    return;
  }
  if (method == "tools/call") {
    StartToolCall(request);
    return;
  }
  if (method == "logging/setLevel") {
    int level = params.is_object() && params.contains("level") &&
                        params["level"].is_string()
                    ? LogLevelIndex(params["level"].get<std::string>())
                    : -1;
    if (level < 0) {
      Send(MakeError(
          request.id, kInvalidParams,
          "Invalid params: \"level\" must be one of debug, info, notice, "
          "warning, error, critical, alert, emergency"));
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      log_level_ = level;
    }
    Send(MakeResult(request.id, json::object()));
    return;
  }
  Send(MakeError(request.id, kMethodNotFound,
                 absl::StrCat("Method not found: ", method)));
}

void Session::StartToolCall(const Message& request) {
  const json& params = request.params;
  if (!params.is_object() || !params.contains("name") ||
      !params["name"].is_string()) {
    Send(MakeError(request.id, kInvalidParams,
                   "Invalid params: \"name\" (the tool) must be a string"));
    return;
  }
  const std::string name = params["name"].get<std::string>();
  if (!tools_->HasTool(name)) {
    Send(MakeError(request.id, kInvalidParams,
                   absl::StrCat("Unknown tool: ", name)));
    return;
  }
  json arguments =
      params.contains("arguments") ? params["arguments"] : json::object();
  if (arguments.is_null()) arguments = json::object();
  if (!arguments.is_object()) {
    Send(MakeError(request.id, kInvalidParams,
                   "Invalid params: \"arguments\" must be an object"));
    return;
  }
  json progress_token;
  if (params.contains("_meta") && params["_meta"].is_object() &&
      params["_meta"].contains("progressToken")) {
    progress_token = params["_meta"]["progressToken"];
  }
  auto token = std::make_shared<CancellationToken>();
  const std::string key = IdKey(request.id);
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    if (running_.count(key)) {
      Send(MakeError(
          request.id, kInvalidRequest,
          "Invalid Request: a request with this id is still running"));
      return;
    }
    if (static_cast<int>(running_.size()) >= options_.max_concurrent_calls) {
      Send(MakeError(request.id, kServerBusy,
                     absl::StrCat("too many concurrent requests (limit ",
                                  options_.max_concurrent_calls, ")")));
      return;
    }
    running_[key] = token;
  }
  json id = request.id;
  std::thread([this, id, key, name, arguments = std::move(arguments),
               progress_token, token] {
    ToolCallContext context;
    context.cancellation = token.get();
    context.report_progress = [this, progress_token, token](
                                  double progress, double total,
                                  const std::string& message) {
      if (progress_token.is_null() || token->cancelled()) return;
      json params{{"progressToken", progress_token}, {"progress", progress}};
      if (total > 0) params["total"] = total;
      if (!message.empty()) params["message"] = message;
      Send(MakeNotification("notifications/progress", std::move(params)));
    };
    json result = tools_->CallTool(name, arguments, context);
    // A cancelled request gets no response.
    if (!token->cancelled()) Send(MakeResult(id, std::move(result)));
    absl::MutexLock lock(&mu_);
    running_.erase(key);
  }).detach();
}

void Session::Log(absl::string_view level, const json& data) {
  int index = LogLevelIndex(level);
  {
    absl::MutexLock lock(&mu_);
    if (log_level_ < 0 || index < log_level_) return;
  }
  Send(MakeNotification("notifications/message",
                        json{{"level", std::string(level)},
                             {"logger", "mfgate"},
                             {"data", data}}));
}

}  // namespace mfgate::mcp
