// Helpers shared by the conformance fixtures' files. Test-only.
#ifndef MFGATE_TESTS_CONFORMANCE_FIXTURE_CONTENT_H_
#define MFGATE_TESTS_CONFORMANCE_FIXTURE_CONTENT_H_

#include <optional>
#include <string>
#include <utility>

#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::conformance {

using json = nlohmann::json;

inline json Text(const std::string& text) {
  return {{"type", "text"}, {"text", text}};
}
inline json Result(json content) { return {{"content", std::move(content)}}; }
inline json ElicitationRequest(const std::string& message, json properties,
                               json required) {
  return {{"message", message},
          {"requestedSchema",
           {{"type", "object"},
            {"properties", std::move(properties)},
            {"required", required}}}};
}

// The 2026 suite's multi-round fixtures (fixtures_input.cc): the result of
// tool `name`, null when it asked for input, nullopt when `name` is not
// one of them.
std::optional<json> InputRequired(const std::string& name,
                                  mcp::ToolCallContext& context);

// The multi-round prompt (test_input_required_result_prompt): its messages
// once the client said what context to use; until then it asks (and the
// result is dropped). A legacy request, which cannot answer, is refused.
absl::StatusOr<json> InputRequiredPrompt(mcp::InputRound& round);

// The tasks fixtures (fixtures_tasks.cc): their tools/list entries, and
// the result of tool `name` (nullopt when `name` is not one of them).
json TaskTools();
std::optional<json> CallTaskTool(const std::string& name, const json& arguments,
                                 mcp::ToolCallContext& context);

}  // namespace mfgate::conformance

#endif  // MFGATE_TESTS_CONFORMANCE_FIXTURE_CONTENT_H_
