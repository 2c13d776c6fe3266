// What revision a request speaks, and what it is offered: a session of the
// older revisions settles both at initialize; a stateless 2026-07-28 request
// carries them in its _meta (stateless.h), its context kept until its
// response is sent.
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "gateway/mcp/params.h"
#include "gateway/mcp/session.h"
#include "gateway/mcp/stateless.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

bool IsSupported(const std::string& version) {
  for (absl::string_view v : kProtocolVersions) {
    if (v == version) return true;
  }
  return false;
}

}  // namespace

std::optional<RequestContext> Session::ModernContext(
    const json& related) const {
  absl::MutexLock lock(&mu_);
  if (modern_.empty()) return std::nullopt;
  auto found = modern_.find(IdKey(related));
  if (found == modern_.end()) return std::nullopt;
  return found->second;
}

json Session::Capabilities(const std::string& version) const {
  // A modern client hears of changes on subscriptions/listen; a session of
  // an older revision on its own channel (Listens::Follow).
  const bool modern = IsModernVersion(version);
  const Changes served = listens_.Served();
  json capabilities{{"tools", {{"listChanged", served.tools}}},
                    {"logging", json::object()}};
  if (handlers_.resources != nullptr) {
    // The modern revision has no resources/subscribe.
    capabilities["resources"] = {{"listChanged", served.resources}};
    if (!modern) capabilities["resources"]["subscribe"] = true;
  }
  if (handlers_.prompts != nullptr)
    capabilities["prompts"] = {{"listChanged", served.prompts}};
  if (handlers_.completions != nullptr)
    capabilities["completions"] = json::object();
  RequestContext context;
  context.version = version;
  if (TasksEnabled(context)) {
    if (IsModernVersion(version)) {
      capabilities["extensions"][kTasksExtension] = json::object();
    } else {
      capabilities["tasks"] = {
          {"list", json::object()},
          {"cancel", json::object()},
          {"requests", {{"tools", {{"call", json::object()}}}}}};
    }
  }
  return capabilities;
}

json Session::Initialize(const json& params) {
  // Types were checked (params.h); a missing or unknown version gets ours.
  const json* asked = params.is_object() && params.contains("protocolVersion")
                          ? &params["protocolVersion"]
                          : nullptr;
  std::string chosen = asked != nullptr && asked->is_string() &&
                               IsSupported(asked->get_ref<const std::string&>())
                           ? asked->get<std::string>()
                           : std::string(kProtocolVersions[0]);
  {
    absl::MutexLock lock(&mu_);
    version_ = chosen;
    if (params.is_object() && params.contains("capabilities") &&
        params["capabilities"].is_object()) {
      client_capabilities_ = params["capabilities"];
    }
  }
  FollowChanges();
  json server_info{{"name", options_.server_name},
                   {"version", options_.server_version}};
  if (chosen >= "2025-06-18") server_info["title"] = options_.server_title;
  json result{{"protocolVersion", chosen},
              {"capabilities", Capabilities(chosen)},
              {"serverInfo", std::move(server_info)}};
  if (!options_.instructions.empty())
    result["instructions"] = options_.instructions;
  return result;
}

RequestContext Session::SessionContext() const {
  absl::MutexLock lock(&mu_);
  RequestContext context;
  context.version = version_;
  context.client_capabilities = client_capabilities_;
  return context;
}

void Session::ServeStateless(const Message& request, bool caller_waits) {
  std::variant<RequestContext, json> established = EstablishStateless(request);
  if (const json* error = std::get_if<json>(&established)) {
    Send(*error, request.id);
    return;
  }
  RequestContext& context = std::get<RequestContext>(established);
  const json& id = request.id;
  if (absl::Status checked = CheckParams(request.method, request.params);
      !checked.ok()) {
    Send(MakeError(id, kInvalidParams,
                   absl::StrCat("Invalid params: ", checked.message())),
         id);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    // Two requests at once under one id: the second is refused, as a
    // session refuses it (the first keeps its context).
    if (!modern_.emplace(IdKey(id), context).second) {
      context.method.clear();
    }
  }
  if (context.method.empty()) {
    Send(MakeError(id, kInvalidRequest, kIdInUseMessage), nullptr);
    return;
  }
  Serve(request, context, caller_waits);
}

}  // namespace mfgate::mcp
