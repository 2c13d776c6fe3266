#include "gateway/mcp/session.h"

#include <utility>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_text.h"
#include "common/log.h"
#include "gateway/mcp/params.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

}  // namespace

void Session::Send(const json& message, const json& related, bool change) {
  Outgoing out;
  out.related = related;
  out.change = change;
  const bool is_response =
      message.is_null() || (message.is_object() && message.contains("id") &&
                            !message.contains("method"));
  // A modern request's response carries what its revision adds, and ends
  // its context.
  std::optional<RequestContext> modern;
  if (is_response && !related.is_null()) modern = ModernContext(related);
  if (!message.is_null()) {
    if (modern.has_value()) {
      json decorated = message;
      if (decorated.contains("result")) {
        DecorateModernResult(modern->method, options_.shared_view,
                             &decorated["result"]);
      } else if (decorated.contains("error") &&
                 decorated["error"].contains("code") &&
                 decorated["error"]["code"].is_number_integer()) {
        decorated["error"]["code"] =
            ModernErrorCode(decorated["error"]["code"].get<int>());
      }
      out.text = std::make_shared<const std::string>(JsonText(decorated));
    } else {
      out.text = std::make_shared<const std::string>(JsonText(message));
    }
    out.is_response = is_response;
    if (out.is_response) out.id = message["id"];
  }
  if (modern.has_value()) {
    absl::MutexLock lock(&mu_);
    modern_.erase(IdKey(related));
  }
  Deliver(std::move(out));
}

void Session::SendToolResponse(const json& id, const ToolResult& result) {
  // The members in the order MakeResult's dump writes them.
  auto text = std::make_shared<std::string>(absl::StrCat(
      "{\"id\":", JsonText(id), ",\"jsonrpc\":\"2.0\",\"result\":"));
  const size_t result_at = text->size();
  result.AppendTo(text.get());
  if (ModernContext(id).has_value()) {
    // A result is one JSON object: its members follow its opening brace.
    if (text->size() > result_at + 1 && (*text)[result_at] == '{') {
      const bool empty = (*text)[result_at + 1] == '}';
      text->insert(result_at + 1,
                   absl::StrCat(kModernToolResultMembers, empty ? "" : ","));
    }
    absl::MutexLock lock(&mu_);
    modern_.erase(IdKey(id));
  }
  text->push_back('}');
  Outgoing out;
  out.text = std::move(text);
  out.is_response = true;
  out.id = id;
  out.related = id;
  Deliver(std::move(out));
}

Session::Session(Handlers handlers, SessionOptions options, Outbox outbox)
    : handlers_(handlers),
      tools_(handlers.tools),
      options_(std::move(options)),
      outbox_(std::move(outbox)),
      listens_(handlers.changes,
               [this](const json& message, const json& related, bool change) {
                 Send(message, related, change);
               }) {}

Session::~Session() { Close(); }

std::string Session::protocol_version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

json Session::client_capabilities() const {
  absl::MutexLock lock(&mu_);
  return client_capabilities_;
}

void Session::Resume(const std::string& protocol_version,
                     const json& capabilities) {
  {
    absl::MutexLock lock(&mu_);
    version_ = protocol_version;
    if (capabilities.is_object()) client_capabilities_ = capabilities;
  }
  FollowChanges();
}

void Session::Close() {
  // Listens end at once, with their responses (they are no running calls).
  listens_.CloseAll();
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

void Session::HandleText(absl::string_view text, size_t max_bytes) {
  try {
    Incoming incoming = ParseMessages(text, max_bytes);
    if (!incoming.batch) {
      Parsed& parsed = incoming.items.front();
      if (parsed.error_response.has_value()) {
        Send(*parsed.error_response);
      } else {
        Handle(*parsed.message);
      }
      return;
    }
    if (std::optional<json> refusal = BatchRefusal(); refusal.has_value()) {
      Send(*refusal);
      return;
    }
    HandleBatch(incoming.items);
  } catch (const std::exception& error) {
    // Only memory can run out here: parsing and handling catch the rest.
    LogError(absl::StrCat("session: cannot handle a message: ", error.what()));
  } catch (...) {
    LogError("session: cannot handle a message");
  }
}

void Session::Handle(const Message& message, bool caller_waits) {
  try {
    Dispatch(message, caller_waits);
  } catch (const std::exception& error) {
    Fail(message, error.what());
  } catch (...) {
    Fail(message, "an unknown exception");
  }
}

void Session::Fail(const Message& message, absl::string_view why) {
  LogError(absl::StrCat("session: handling ",
                        message.method.empty() ? "a response" : message.method,
                        " failed: ", why));
  if (message.kind != Message::Kind::kRequest) return;
  try {
    Send(MakeError(message.id, kInternalError, "Internal error"), message.id);
  } catch (...) {
    LogError("session: cannot answer the failed request");
  }
}

void Session::Dispatch(const Message& message, bool caller_waits) {
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
  if (absl::Status checked =
          CheckParams(notification.method, notification.params);
      !checked.ok()) {
    // A notification gets no answer, not even an error.
    LogDebug(absl::StrCat("session: ignoring ", notification.method, ": ",
                          checked.message()));
    return;
  }
  if (notification.method != "notifications/cancelled") return;
  if (listens_.Cancel(notification.params["requestId"])) return;
  const std::string key = IdKey(notification.params["requestId"]);
  absl::MutexLock lock(&mu_);
  auto running = running_.find(key);
  if (running != running_.end()) running->second->Cancel();
}

void Session::HandleRequest(const Message& request, bool caller_waits) {
  const std::string& method = request.method;
  const json& id = request.id;
  // The modern revision's discovery is stateless even before `initialize`.
  if (options_.stateless_only || CarriesModernMeta(request) ||
      method == "server/discover") {
    ServeStateless(request, caller_waits);
    return;
  }
  if (absl::Status checked = CheckParams(method, request.params);
      !checked.ok()) {
    Send(MakeError(id, kInvalidParams,
                   absl::StrCat("Invalid params: ", checked.message())),
         id);
    return;
  }
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
  if (method == "logging/setLevel") {
    int level =
        LogLevelIndex(request.params["level"].get_ref<const std::string&>());
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
  Serve(request, SessionContext(), caller_waits);
}

void Session::Serve(const Message& request, const RequestContext& context,
                    bool caller_waits) {
  const std::string& method = request.method;
  const json& id = request.id;
  const json& params = request.params;
  if (method == "server/discover") {
    ServerIdentity identity{options_.server_name, options_.server_title,
                            options_.server_version, options_.description,
                            options_.instructions};
    Send(
        MakeResult(id, DiscoverResult(identity, Capabilities(context.version))),
        id);
    return;
  }
  // Every list fits in one page: a client has no cursor to send back.
  if (absl::EndsWith(method, "/list") && params.is_object() &&
      params.contains("cursor") && params["cursor"].is_string()) {
    Send(MakeError(id, kInvalidParams,
                   "Invalid params: unknown cursor (every list fits in one "
                   "page)"),
         id);
    return;
  }
  if (method == "tools/list") {
    json tools = tools_->ListTools();
    AddTaskSupport(context, &tools);
    Send(MakeResult(id, json{{"tools", std::move(tools)}}), id);
    return;
  }
  if (method == "tools/call") {
    StartToolCall(request, context, caller_waits);
    return;
  }
  if (method == "subscriptions/listen" && context.stateless) {
    // Stays open: answered when it ends (Listens), if the server ends it.
    if (std::optional<json> refused = listens_.Open(id, params)) {
      Send(*refused, id);
    }
    return;
  }
  if (HandleCatalogRequest(request, context)) return;
  if (HandleTaskRequest(request, context)) return;
  Send(MakeError(id, kMethodNotFound,
                 absl::StrCat("Method not found: ", method)),
       id);
}

void Session::Log(absl::string_view level, const json& data,
                  const json& related) {
  int index = LogLevelIndex(level);
  // A modern request is sent the logs it asked for in its _meta, if any.
  std::optional<RequestContext> modern =
      related.is_null() ? std::nullopt : ModernContext(related);
  if (modern.has_value()) {
    if (modern->log_level < 0 || index < modern->log_level) return;
  } else {
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
