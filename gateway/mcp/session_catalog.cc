// Session's handling of resources/*, prompts/* and completion/complete: each
// answered from the session's optional providers (providers.h). The types
// of their params were checked before (params.h).
#include "absl/strings/str_cat.h"
#include "gateway/mcp/input_round.h"
#include "gateway/mcp/session.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// Resources one session may subscribe to at once.
constexpr size_t kMaxSubscriptions = 256;

int ErrorCodeFor(const absl::Status& status) {
  // MCP's "resource not found" for unknown URIs; invalid params otherwise.
  return status.code() == absl::StatusCode::kNotFound ? -32002 : kInvalidParams;
}

// The string param `name`, which CheckParams found to be a string.
const std::string& StringParam(const json& params, const char* name) {
  return params[name].get_ref<const std::string&>();
}

}  // namespace

bool Session::HandleCatalogRequest(const Message& request,
                                   const RequestContext& context) {
  const std::string& method = request.method;
  const json& id = request.id;
  const json& params = request.params;
  if (handlers_.resources != nullptr) {
    if (method == "resources/list") {
      absl::StatusOr<json> resources = handlers_.resources->ListResources();
      Send(resources.ok()
               ? MakeResult(id, {{"resources", *resources}})
               : MakeError(id, kInternalError,
                           std::string(resources.status().message())),
           id);
      return true;
    }
    if (method == "resources/templates/list") {
      Send(MakeResult(id, {{"resourceTemplates",
                            handlers_.resources->ListResourceTemplates()}}),
           id);
      return true;
    }
    if (method == "resources/read" || method == "resources/subscribe" ||
        method == "resources/unsubscribe") {
      const std::string& uri = StringParam(params, "uri");
      if (method == "resources/read") {
        absl::StatusOr<json> contents = handlers_.resources->ReadResource(uri);
        Send(contents.ok() ? MakeResult(id, *contents)
                           : MakeError(id, ErrorCodeFor(contents.status()),
                                       std::string(contents.status().message()),
                                       json{{"uri", uri}}),
             id);
        return true;
      }
      bool full = false;
      {
        absl::MutexLock lock(&mu_);
        if (method == "resources/unsubscribe") {
          subscriptions_.erase(uri);
        } else if (subscriptions_.size() < kMaxSubscriptions ||
                   subscriptions_.count(uri)) {
          subscriptions_.insert(uri);
        } else {
          full = true;
        }
      }
      Send(full ? MakeError(id, kInvalidParams,
                            absl::StrCat("Invalid params: too many "
                                         "subscriptions (limit ",
                                         kMaxSubscriptions, ")"))
                : MakeResult(id, json::object()),
           id);
      return true;
    }
  }
  if (handlers_.prompts != nullptr) {
    if (method == "prompts/list") {
      Send(MakeResult(id, {{"prompts", handlers_.prompts->ListPrompts()}}), id);
      return true;
    }
    if (method == "prompts/get") {
      GetPrompt(request, context);
      return true;
    }
  }
  if (handlers_.completions != nullptr && method == "completion/complete") {
    Send(MakeResult(id,
                    {{"completion", handlers_.completions->Complete(
                                        params["ref"], params["argument"])}}),
         id);
    return true;
  }
  return false;
}

void Session::GetPrompt(const Message& request, const RequestContext& context) {
  const json& id = request.id;
  const json& params = request.params;
  const std::string& name = StringParam(params, "name");
  json arguments =
      params.contains("arguments") && !params["arguments"].is_null()
          ? params["arguments"]
          : json::object();
  // A modern request may take several rounds (input_round.h), as tools/call.
  InputRound round;
  InputRequests inputs(context.client_capabilities);
  if (context.stateless) {
    absl::Status read = ReadInputRound(params, "prompt", name,
                                       &round.input_responses, &round.state);
    if (!read.ok()) {
      Send(MakeError(id, kInvalidParams, std::string(read.message())), id);
      return;
    }
    round.multi_round = true;
    round.require_input =
        [&inputs](const std::string& key, const std::string& method,
                  const json& input) { inputs.Require(key, method, input); };
  } else {
    round.require_input = [](const std::string&, const std::string&,
                             const json&) {};
  }
  absl::StatusOr<json> prompt =
      handlers_.prompts->GetPromptWithInput(name, arguments, round);
  if (!inputs.missing().empty()) {
    Send(MissingCapabilityError(id, inputs.missing()), id);
  } else if (prompt.ok() && !inputs.empty()) {
    Send(MakeResult(id, inputs.Result("prompt", name, round.state)), id);
  } else {
    Send(prompt.ok() ? MakeResult(id, *prompt)
                     : MakeError(id, kInvalidParams,
                                 std::string(prompt.status().message())),
         id);
  }
}

void Session::FollowChanges() {
  if (options_.stateless_only) return;
  listens_.Follow([this] {
    absl::MutexLock lock(&mu_);
    return std::vector<std::string>(subscriptions_.begin(),
                                    subscriptions_.end());
  });
}

}  // namespace mfgate::mcp
