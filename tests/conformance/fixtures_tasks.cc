// The 2026 suite's tasks fixtures (SEP-2663): greet runs at once;
// slow_compute, failing_job and protocol_error_job run as tasks of the
// gateway's TaskStore (gateway/mcp/tasks.h) when the client declared the
// tasks extension, and at once otherwise (failing_job and
// test_tool_with_task, which run only as tasks, are then refused).
// test_tool_with_task asks for a name in the rounds of its request, and
// becomes a task on the round that answers.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "tests/conformance/fixture_content.h"
#include "tests/conformance/fixtures.h"

namespace mfgate::conformance {
namespace {

// Waits `duration`, or less when the call is cancelled; whether it was.
bool Cancelled(mcp::ToolCallContext& context, absl::Duration duration) {
  auto woken = std::make_shared<absl::Notification>();
  context.cancellation->OnCancel([woken] { woken->Notify(); });
  woken->WaitForNotificationWithTimeout(duration);
  return context.cancellation->cancelled();
}

json Schema(json properties, json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)}};
}

}  // namespace

json TaskTools() {
  auto tool = [](const char* name, const char* description, json schema) {
    return json{{"name", name},
                {"description", description},
                {"inputSchema", std::move(schema)}};
  };
  json integer = {{"type", "integer"}, {"minimum", 0}, {"maximum", 600}};
  json text = {{"type", "string"}};
  return json::array(
      {tool("greet", "Says hello to a name",
            Schema({{"name", text}}, {"name"})),
       tool("slow_compute", "Sleeps `seconds`, then answers (a task)",
            Schema({{"seconds", integer}, {"label", text}}, {"seconds"})),
       tool("failing_job", "Reports a tool error after a second (a task)",
            Schema(json::object(), json::array())),
       tool("protocol_error_job", "Fails with a protocol error (a task)",
            Schema(json::object(), json::array())),
       tool("confirm_delete", "Asks the client to confirm (a task)",
            Schema({{"filename", text}}, json::array())),
       tool("multi_input", "Asks the client two things at once (a task)",
            Schema(json::object(), json::array())),
       tool("test_tool_with_task",
            "Asks the client's name, then greets it (a task)",
            Schema(json::object(), json::array()))});
}

bool FixtureTools::SupportsTasks(const std::string& name) const {
  return name == "slow_compute" || name == "failing_job" ||
         name == "protocol_error_job" || name == "confirm_delete" ||
         name == "multi_input" || name == "test_tool_with_task";
}

// As the suite registers it: its call without the tasks extension is
// refused (-32021) before it runs.
bool FixtureTools::RequiresTask(const std::string& name) const {
  return name == "failing_job" || name == "test_tool_with_task";
}

bool FixtureTools::GathersInputFirst(const std::string& name) const {
  return name == "test_tool_with_task";
}

std::optional<json> CallTaskTool(const std::string& name, const json& arguments,
                                 mcp::ToolCallContext& context) {
  if (name == "greet") {
    return Result({Text("Hello, " + arguments.value("name", "") + "!")});
  }
  if (name == "slow_compute") {
    const int seconds = arguments.value("seconds", 0);
    if (Cancelled(context, absl::Seconds(seconds))) {
      return json{{"content", {Text("cancelled")}}, {"isError", true}};
    }
    return Result({Text("computed " + arguments.value("label", "") + " in " +
                        std::to_string(seconds) + "s")});
  }
  if (name == "failing_job") {
    Cancelled(context, absl::Seconds(1));
    return json{{"content", {Text("the job failed")}}, {"isError", true}};
  }
  if (name == "confirm_delete" || name == "multi_input") {
    // Asks until every answer is in (the task waits for them, input_required).
    const bool both = name == "multi_input";
    std::vector<std::string> keys = {"confirm"};
    if (both) keys = {"first_name", "second_name"};
    bool answered = true;
    for (const std::string& key : keys) {
      if (!context.input_responses.contains(key)) {
        answered = false;
        context.require_input(
            key, "elicitation/create",
            ElicitationRequest(
                both ? "Your name?"
                     : "Delete " + arguments.value("filename", "") + "?",
                {{both ? "name" : "confirm",
                  {{"type", both ? "string" : "boolean"}}}},
                json::array()));
      }
    }
    if (!answered) return Result({Text("input required")});
    return Result({Text(both ? "both answered"
                             : "deleted " + arguments.value("filename", ""))});
  }
  if (name == "test_tool_with_task") {
    const json& answer = context.input_responses.contains("user_name")
                             ? context.input_responses["user_name"]
                             : json();
    if (!answer.is_object() || answer.value("action", "") != "accept" ||
        !answer.contains("content") || !answer["content"].is_object() ||
        !answer["content"].contains("name") ||
        !answer["content"]["name"].is_string()) {
      context.require_input(
          "user_name", "elicitation/create",
          ElicitationRequest("Your name?", {{"name", {{"type", "string"}}}},
                             {"name"}));
      return Result({Text("input required")});
    }
    return Result(
        {Text("Hello, " + answer["content"]["name"].get<std::string>() + "!")});
  }
  if (name == "protocol_error_job") {
    // Escapes CallTool: the session reports an internal error.
    throw std::runtime_error("protocol_error_job always fails");
  }
  return std::nullopt;
}

}  // namespace mfgate::conformance
