// Session's handling of resources/*, prompts/* and completion/complete: each
// answered from the session's optional providers (providers.h).
#include "absl/strings/str_cat.h"
#include "gateway/mcp/session.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

int ErrorCodeFor(const absl::Status& status) {
  // MCP's "resource not found" for unknown URIs; invalid params otherwise.
  return status.code() == absl::StatusCode::kNotFound ? -32002 : kInvalidParams;
}

// The string param `name`, or nullptr when missing or not a string.
const std::string* StringParam(const json& params, const char* name) {
  if (!params.is_object() || !params.contains(name) ||
      !params[name].is_string()) {
    return nullptr;
  }
  return params[name].get_ptr<const std::string*>();
}

}  // namespace

bool Session::HandleCatalogRequest(const Message& request) {
  const std::string& method = request.method;
  const json& id = request.id;
  const json& params = request.params;
  auto missing = [&](const char* what) {
    Send(MakeError(
             id, kInvalidParams,
             absl::StrCat("Invalid params: \"", what, "\" must be a string")),
         id);
  };
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
      const std::string* uri = StringParam(params, "uri");
      if (uri == nullptr) {
        missing("uri");
        return true;
      }
      if (method == "resources/read") {
        absl::StatusOr<json> contents = handlers_.resources->ReadResource(*uri);
        Send(contents.ok() ? MakeResult(id, *contents)
                           : MakeError(id, ErrorCodeFor(contents.status()),
                                       std::string(contents.status().message()),
                                       json{{"uri", *uri}}),
             id);
        return true;
      }
      {
        absl::MutexLock lock(&mu_);
        if (method == "resources/subscribe") {
          subscriptions_.insert(*uri);
        } else {
          subscriptions_.erase(*uri);
        }
      }
      Send(MakeResult(id, json::object()), id);
      return true;
    }
  }
  if (handlers_.prompts != nullptr) {
    if (method == "prompts/list") {
      Send(MakeResult(id, {{"prompts", handlers_.prompts->ListPrompts()}}), id);
      return true;
    }
    if (method == "prompts/get") {
      const std::string* name = StringParam(params, "name");
      if (name == nullptr) {
        missing("name");
        return true;
      }
      json arguments =
          params.contains("arguments") ? params["arguments"] : json::object();
      absl::StatusOr<json> prompt =
          handlers_.prompts->GetPrompt(*name, arguments);
      Send(prompt.ok() ? MakeResult(id, *prompt)
                       : MakeError(id, kInvalidParams,
                                   std::string(prompt.status().message())),
           id);
      return true;
    }
  }
  if (handlers_.completions != nullptr && method == "completion/complete") {
    if (!params.is_object() || !params.contains("ref") ||
        !params["ref"].is_object() || !params.contains("argument") ||
        !params["argument"].is_object()) {
      Send(MakeError(id, kInvalidParams,
                     "Invalid params: completion/complete needs \"ref\" and "
                     "\"argument\" "
                     "objects"),
           id);
      return true;
    }
    Send(MakeResult(id,
                    {{"completion", handlers_.completions->Complete(
                                        params["ref"], params["argument"])}}),
         id);
    return true;
  }
  return false;
}

}  // namespace mfgate::mcp
