// What a server offers besides tools: resources, prompts and completions.
//
// Like ToolProvider (tool_provider.h), each is an interface the protocol
// layer calls; a Session advertises a capability only when its provider is
// present. Implementations must be thread-safe: one provider serves every
// session of a tenant concurrently. Results are MCP result objects.
#ifndef MFGATE_GATEWAY_MCP_PROVIDERS_H_
#define MFGATE_GATEWAY_MCP_PROVIDERS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

class ChangeFeed;

class ResourceProvider {
 public:
  virtual ~ResourceProvider() = default;
  // The `resources` array of resources/list; an error when the resources
  // cannot be listed now (e.g. a worker is down).
  virtual absl::StatusOr<nlohmann::json> ListResources() const = 0;
  // The `resourceTemplates` array of resources/templates/list.
  virtual nlohmann::json ListResourceTemplates() const = 0;
  // A resources/read result (`contents`); NotFound for an unknown URI.
  virtual absl::StatusOr<nlohmann::json> ReadResource(
      const std::string& uri) const = 0;
};

class PromptProvider {
 public:
  virtual ~PromptProvider() = default;
  // The `prompts` array of prompts/list (static: never fails).
  virtual nlohmann::json ListPrompts() const = 0;
  // A prompts/get result; NotFound for an unknown prompt, InvalidArgument
  // for missing or wrong arguments. `arguments` is an object of strings
  // (checked by the session).
  virtual absl::StatusOr<nlohmann::json> GetPrompt(
      const std::string& name, const nlohmann::json& arguments) const = 0;
  // The same, for a prompt that may need input from its client over several
  // rounds (a modern request's InputRound, tool_provider.h: what it asks
  // for with round.require_input turns the result into an
  // InputRequiredResult). By default the prompt needs none.
  virtual absl::StatusOr<nlohmann::json> GetPromptWithInput(
      const std::string& name, const nlohmann::json& arguments,
      InputRound& /*round*/) const {
    return GetPrompt(name, arguments);
  }
};

class CompletionProvider {
 public:
  virtual ~CompletionProvider() = default;
  // The `completion` object of completion/complete for `ref` (ref/prompt or
  // ref/resource) and `argument` ({name, value}). The session has checked
  // the types: ref.type, argument.name and argument.value are strings, and
  // ref.name and ref.uri strings where present.
  virtual nlohmann::json Complete(const nlohmann::json& ref,
                                  const nlohmann::json& argument) const = 0;
};

// Everything a session serves. `tools` is required; the rest may be null.
// None is owned; all must outlive the sessions that use them, which `owner`
// (may be null) ensures when set: a session keeps its copy of the handlers,
// and so the providers, alive (a reload may drop a tenant meanwhile).
struct Handlers {
  ToolProvider* tools = nullptr;
  ResourceProvider* resources = nullptr;
  PromptProvider* prompts = nullptr;
  CompletionProvider* completions = nullptr;
  std::shared_ptr<const void> owner = nullptr;
  // Where changes of what these serve are published (listen.h); null: they
  // never change while a session lasts.
  ChangeFeed* changes = nullptr;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_PROVIDERS_H_
