// The 2026 suite's input-required fixtures: tools that need input from the
// client over several rounds (InputRequiredResult).
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/conformance/fixture_content.h"

namespace mfgate::conformance {
namespace {

// The inputs the 2026 suite's input-required fixtures ask for, by key.
json NameInput(const std::string& message, const std::string& field) {
  return ElicitationRequest(message, {{field, {{"type", "string"}}}}, {field});
}
json SamplingInput(const std::string& text, int max_tokens) {
  return {{"messages", {{{"role", "user"}, {"content", Text(text)}}}},
          {"maxTokens", max_tokens}};
}

// An answer of this round that is an object (nullptr when absent or not).
const json* Answer(const mcp::InputRound& context, const char* key) {
  auto found = context.input_responses.find(key);
  return found != context.input_responses.end() && found->is_object() ? &*found
                                                                      : nullptr;
}

// A string field of an elicitation answer's content.
std::string Field(const json* answer, const char* field) {
  if (answer == nullptr || !answer->contains("content") ||
      !(*answer)["content"].is_object()) {
    return "";
  }
  return (*answer)["content"].value(field, "");
}

}  // namespace

// Each asks for input by key until this round's answers carry it (SEP-2322).
std::optional<json> InputRequired(const std::string& name,
                                  mcp::ToolCallContext& context) {
  if (name == "test_input_required_result_elicitation") {
    const json* answer = Answer(context, "user_name");
    if (answer == nullptr || Field(answer, "name").empty()) {
      context.require_input("user_name", "elicitation/create",
                            NameInput("What is your name?", "name"));
      return json();
    }
    return Result({Text("Hello, " + Field(answer, "name") + "!")});
  }
  if (name == "test_input_required_result_sampling") {
    const json* answer = Answer(context, "capital_question");
    if (answer == nullptr) {
      context.require_input(
          "capital_question", "sampling/createMessage",
          SamplingInput("What is the capital of France?", 100));
      return json();
    }
    return Result({Text(answer->value("content", json::object())
                            .value("text", answer->dump()))});
  }
  if (name == "test_input_required_result_list_roots") {
    const json* answer = Answer(context, "client_roots");
    if (answer == nullptr) {
      context.require_input("client_roots", "roots/list", json::object());
      return json();
    }
    return Result(
        {Text("roots: " + answer->value("roots", json::array()).dump())});
  }
  if (name == "test_input_required_result_request_state" ||
      name == "test_input_required_result_tampered_state") {
    const json* answer = Answer(context, "confirm");
    if (answer == nullptr || context.state != json("round-1")) {
      context.state = "round-1";
      context.require_input(
          "confirm", "elicitation/create",
          ElicitationRequest("Please confirm", {{"ok", {{"type", "boolean"}}}},
                             {"ok"}));
      return json();
    }
    return Result({Text("state-ok: confirmed")});
  }
  if (name == "test_input_required_result_multiple_inputs") {
    const json* user = Answer(context, "user_name");
    const json* greeting = Answer(context, "greeting");
    const json* roots = Answer(context, "client_roots");
    if (user == nullptr || greeting == nullptr || roots == nullptr) {
      context.state = "asked";
      context.require_input("user_name", "elicitation/create",
                            NameInput("What is your name?", "name"));
      context.require_input("greeting", "sampling/createMessage",
                            SamplingInput("Generate a greeting", 50));
      context.require_input("client_roots", "roots/list", json::object());
      return json();
    }
    return Result({Text("Hello, " + Field(user, "name") + ": all inputs in")});
  }
  if (name == "test_input_required_result_multi_round") {
    const int round =
        context.state.is_object() ? context.state.value("round", 0) : 0;
    if (round == 1 && Field(Answer(context, "step1"), "name") != "") {
      context.state = {{"round", 2},
                       {"name", Field(Answer(context, "step1"), "name")}};
      context.require_input(
          "step2", "elicitation/create",
          NameInput("Step 2: What is your favorite color?", "color"));
      return json();
    }
    if (round == 2 && Field(Answer(context, "step2"), "color") != "") {
      return Result(
          {Text(absl::StrCat(context.state.value("name", ""), " likes ",
                             Field(Answer(context, "step2"), "color")))});
    }
    context.state = {{"round", 1}};
    context.require_input("step1", "elicitation/create",
                          NameInput("Step 1: What is your name?", "name"));
    return json();
  }
  if (name == "test_input_required_result_capabilities") {
    // Asks only through what the client declared.
    const json& declared = context.client_capabilities;
    if (declared.contains("sampling") &&
        Answer(context, "question") == nullptr) {
      context.require_input("question", "sampling/createMessage",
                            SamplingInput("Say hello", 20));
      return json();
    }
    if (declared.contains("elicitation") &&
        Answer(context, "name") == nullptr) {
      context.require_input("name", "elicitation/create",
                            NameInput("What is your name?", "name"));
      return json();
    }
    return Result({Text("nothing to ask this client")});
  }
  return std::nullopt;
}

absl::StatusOr<json> InputRequiredPrompt(mcp::InputRound& round) {
  if (!round.multi_round) {
    return absl::InvalidArgumentError(
        "test_input_required_result_prompt needs a 2026-07-28 request");
  }
  const std::string context = Field(Answer(round, "user_context"), "context");
  if (context.empty()) {
    round.require_input(
        "user_context", "elicitation/create",
        NameInput("What context should the prompt use?", "context"));
    return json::object();
  }
  return json{{"messages",
               {{{"role", "user"},
                 {"content", Text("Prompt with context: " + context)}}}}};
}

}  // namespace mfgate::conformance
