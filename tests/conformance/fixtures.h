// The fixtures the MCP conformance suite expects of a server under test
// (tools such as test_simple_text, resources such as test://static-text,
// prompts such as test_simple_prompt, completion), served by the same
// protocol library mfgate uses. Test-only. Thread-safe (stateless).
#ifndef MFGATE_TESTS_CONFORMANCE_FIXTURES_H_
#define MFGATE_TESTS_CONFORMANCE_FIXTURES_H_

#include <string>

#include "gateway/mcp/providers.h"

namespace mfgate::conformance {

class FixtureTools : public mcp::ToolProvider {
 public:
  nlohmann::json ListTools() const override;
  bool HasTool(const std::string& name) const override;
  // The tasks fixtures' (fixtures_tasks.cc).
  bool SupportsTasks(const std::string& name) const override;
  bool RequiresTask(const std::string& name) const override;
  bool GathersInputFirst(const std::string& name) const override;
  mcp::ToolResult CallTool(const std::string& name,
                           const nlohmann::json& arguments,
                           mcp::ToolCallContext& context) override;
};

class FixtureResources : public mcp::ResourceProvider {
 public:
  absl::StatusOr<nlohmann::json> ListResources() const override;
  nlohmann::json ListResourceTemplates() const override;
  absl::StatusOr<nlohmann::json> ReadResource(
      const std::string& uri) const override;
};

class FixturePrompts : public mcp::PromptProvider,
                       public mcp::CompletionProvider {
 public:
  nlohmann::json ListPrompts() const override;
  absl::StatusOr<nlohmann::json> GetPrompt(
      const std::string& name, const nlohmann::json& arguments) const override;
  absl::StatusOr<nlohmann::json> GetPromptWithInput(
      const std::string& name, const nlohmann::json& arguments,
      mcp::InputRound& round) const override;
  nlohmann::json Complete(const nlohmann::json& ref,
                          const nlohmann::json& argument) const override;
};

}  // namespace mfgate::conformance

#endif  // MFGATE_TESTS_CONFORMANCE_FIXTURES_H_
