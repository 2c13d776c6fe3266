#include "tests/conformance/fixtures.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/conformance/fixture_content.h"

namespace mfgate::conformance {
namespace {

// A 1x1 PNG and an empty WAV: the smallest valid media for content tests.
constexpr char kPng[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhK"
    "mMIQAAAABJRU5ErkJggg==";
constexpr char kWav[] =
    "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

json Image() {
  return {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}};
}
json Tool(const std::string& name, json properties = json::object(),
          json required = json::array()) {
  return {{"name", name},
          {"description", absl::StrCat("Conformance fixture ", name)},
          {"inputSchema",
           {{"type", "object"},
            {"properties", properties},
            {"required", required}}}};
}

// Asks the client through `method` and reports what came back.
json AskClient(mcp::ToolCallContext& context, const std::string& method,
               const json& params, const std::string& prefix) {
  absl::StatusOr<json> answer = context.request_client(method, params);
  if (!answer.ok()) {
    return {{"content", {Text(std::string(answer.status().message()))}},
            {"isError", true}};
  }
  if (method == "sampling/createMessage") {
    const json& content = (*answer)["content"];
    return Result({Text(prefix + (content.is_object()
                                      ? content.value("text", content.dump())
                                      : answer->dump()))});
  }
  return Result({Text(absl::StrCat(
      prefix, "action=", answer->value("action", "?"),
      ", content=", answer->value("content", json::object()).dump()))});
}

// A tool whose input schema uses JSON Schema 2020-12's vocabulary, which
// must reach the client untouched.
json JsonSchema2020Tool() {
  return {
      {"name", "json_schema_2020_12_tool"},
      {"description", "Tool with JSON Schema 2020-12 features"},
      {"inputSchema",
       {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
        {"type", "object"},
        {"$defs",
         {{"address",
           {{"$anchor", "addressDef"},
            {"type", "object"},
            {"properties",
             {{"street", {{"type", "string"}}},
              {"city", {{"type", "string"}}}}}}}}},
        {"properties",
         {{"name", {{"type", "string"}}},
          {"address", {{"$ref", "#/$defs/address"}}},
          {"contactMethod", {{"type", "string"}, {"enum", {"phone", "email"}}}},
          {"phone", {{"type", "string"}}},
          {"email", {{"type", "string"}}}}},
        {"allOf",
         {{{"anyOf", {{{"required", {"phone"}}}, {{"required", {"email"}}}}}}}},
        {"if",
         {{"properties", {{"contactMethod", {{"const", "phone"}}}}},
          {"required", {"contactMethod"}}}},
        {"then", {{"required", {"phone"}}}},
        {"else", {{"required", {"email"}}}},
        {"additionalProperties", false}}}};
}

}  // namespace

json FixtureTools::ListTools() const {
  json text = {{"type", "string"}};
  json tools = json::array(
      {Tool("test_simple_text"), Tool("test_image_content"),
       Tool("test_audio_content"), Tool("test_embedded_resource"),
       Tool("test_multiple_content_types"), Tool("test_tool_with_logging"),
       Tool("test_error_handling"), Tool("test_tool_with_progress"),
       Tool("test_sampling", {{"prompt", text}}, {"prompt"}),
       Tool("test_elicitation", {{"message", text}}, {"message"}),
       Tool("test_elicitation_sep1034_defaults"),
       Tool("test_elicitation_sep1330_enums"),
       // The 2026-07-28 suite's diagnostics.
       Tool("test_logging_tool"), Tool("test_missing_capability"),
       Tool("test_streaming_elicitation"), JsonSchema2020Tool(),
       Tool("test_input_required_result_elicitation"),
       Tool("test_input_required_result_sampling"),
       Tool("test_input_required_result_list_roots"),
       Tool("test_input_required_result_request_state"),
       Tool("test_input_required_result_multiple_inputs"),
       Tool("test_input_required_result_multi_round"),
       Tool("test_input_required_result_tampered_state"),
       Tool("test_input_required_result_capabilities"),
       // Mirrors its region into an Mcp-Param-Region header (HTTP).
       Tool("test_header_param",
            {{"region", {{"type", "string"}, {"x-mcp-header", "Region"}}},
             {"count", {{"type", "integer"}, {"x-mcp-header", "Count"}}}},
            {"region"})});
  for (json& tool : TaskTools()) tools.push_back(std::move(tool));
  return tools;
}

bool FixtureTools::HasTool(const std::string& name) const {
  for (const json& tool : ListTools()) {
    if (tool["name"] == name) return true;
  }
  return false;
}

mcp::ToolResult FixtureTools::CallTool(const std::string& name,
                                       const json& arguments,
                                       mcp::ToolCallContext& context) {
  const json resource = {{"type", "resource"},
                         {"resource",
                          {{"uri", "test://embedded-resource"},
                           {"mimeType", "text/plain"},
                           {"text", "This is an embedded resource content."}}}};
  if (name == "test_simple_text")
    return Result({Text("This is a simple text response for testing.")});
  if (name == "test_image_content") return Result({Image()});
  if (name == "test_audio_content") {
    return Result(
        {{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
  }
  if (name == "test_embedded_resource") return Result({resource});
  if (name == "test_multiple_content_types") {
    return Result({Text("Multiple content types test:"),
                   Image(),
                   {{"type", "resource"},
                    {"resource",
                     {{"uri", "test://mixed-content-resource"},
                      {"mimeType", "application/json"},
                      {"text", R"({"test":"data","value":123})"}}}}});
  }
  if (std::optional<json> result = CallTaskTool(name, arguments, context)) {
    return *result;
  }
  if (std::optional<json> result = InputRequired(name, context)) {
    // Null: the call asked for input (the session answers for it).
    return result->is_null() ? Result({Text("input required")}) : *result;
  }
  if (name == "test_header_param") {
    return Result(
        {Text(absl::StrCat("region=", arguments.value("region", "")))});
  }
  if (name == "json_schema_2020_12_tool") {
    return Result({Text("ok")});
  }
  if (name == "test_missing_capability") {
    // Needs sampling: a client that did not declare it gets -32021.
    return AskClient(
        context, "sampling/createMessage",
        {{"messages", {{{"role", "user"}, {"content", Text("ping")}}}},
         {"maxTokens", 10}},
        "");
  }
  if (name == "test_streaming_elicitation") {
    return AskClient(
        context, "elicitation/create",
        ElicitationRequest("Your name?", {{"name", {{"type", "string"}}}},
                           json::array()),
        "");
  }
  if (name == "test_tool_with_logging" || name == "test_logging_tool") {
    for (const char* line : {"Tool execution started", "Tool processing data",
                             "Tool execution completed"}) {
      context.log("info", line);
      absl::SleepFor(absl::Milliseconds(50));
    }
    return Result({Text("Tool with logging executed successfully")});
  }
  if (name == "test_error_handling") {
    return json{
        {"content",
         {Text("This tool intentionally returns an error for testing")}},
        {"isError", true}};
  }
  if (name == "test_tool_with_progress") {
    for (double step : {0.0, 50.0, 100.0}) {
      context.report_progress(step, 100, "");
      if (step < 100) absl::SleepFor(absl::Milliseconds(50));
    }
    return Result({Text("Tool with progress executed successfully")});
  }
  if (name == "test_sampling") {
    json params = {{"messages",
                    {{{"role", "user"},
                      {"content", Text(arguments.value("prompt", ""))}}}},
                   {"maxTokens", 100}};
    return AskClient(context, "sampling/createMessage", params,
                     "LLM response: ");
  }
  if (name == "test_elicitation") {
    json properties = {
        {"username", {{"type", "string"}, {"description", "User's response"}}},
        {"email",
         {{"type", "string"}, {"description", "User's email address"}}}};
    return AskClient(context, "elicitation/create",
                     ElicitationRequest(arguments.value("message", ""),
                                        properties, {"username", "email"}),
                     "User response: ");
  }
  if (name == "test_elicitation_sep1034_defaults") {
    json properties = {{"name", {{"type", "string"}, {"default", "John Doe"}}},
                       {"age", {{"type", "integer"}, {"default", 30}}},
                       {"score", {{"type", "number"}, {"default", 95.5}}},
                       {"status",
                        {{"type", "string"},
                         {"enum", {"active", "inactive", "pending"}},
                         {"default", "active"}}},
                       {"verified", {{"type", "boolean"}, {"default", true}}}};
    return AskClient(context, "elicitation/create",
                     ElicitationRequest("Please review your information",
                                        properties, json::array()),
                     "Elicitation completed: ");
  }
  if (name == "test_elicitation_sep1330_enums") {
    auto titled = [](const char* prefix, const char* first, const char* second,
                     const char* third) {
      return json::array(
          {{{"const", std::string(prefix) + "1"}, {"title", first}},
           {{"const", std::string(prefix) + "2"}, {"title", second}},
           {{"const", std::string(prefix) + "3"}, {"title", third}}});
    };
    json options = {"option1", "option2", "option3"};
    json properties = {
        {"untitledSingle", {{"type", "string"}, {"enum", options}}},
        {"titledSingle",
         {{"type", "string"},
          {"oneOf",
           titled("value", "First Option", "Second Option", "Third Option")}}},
        {"legacyEnum",
         {{"type", "string"},
          {"enum", {"opt1", "opt2", "opt3"}},
          {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
        {"untitledMulti",
         {{"type", "array"},
          {"items", {{"type", "string"}, {"enum", options}}}}},
        {"titledMulti",
         {{"type", "array"},
          {"items",
           {{"anyOf", titled("value", "First Choice", "Second Choice",
                             "Third Choice")}}}}}};
    return AskClient(
        context, "elicitation/create",
        ElicitationRequest("Please choose", properties, json::array()),
        "Elicitation completed: ");
  }
  return json{{"content", {Text("unknown tool " + name)}}, {"isError", true}};
}

absl::StatusOr<json> FixtureResources::ListResources() const {
  return json::array({{{"uri", "test://static-text"},
                       {"name", "static-text"},
                       {"description", "A static text resource"},
                       {"mimeType", "text/plain"}},
                      {{"uri", "test://static-binary"},
                       {"name", "static-binary"},
                       {"description", "A static binary resource (a PNG)"},
                       {"mimeType", "image/png"}},
                      {{"uri", "test://watched-resource"},
                       {"name", "watched-resource"},
                       {"description", "A resource clients may subscribe to"},
                       {"mimeType", "text/plain"}}});
}

json FixtureResources::ListResourceTemplates() const {
  return json::array({{{"uriTemplate", "test://template/{id}/data"},
                       {"name", "template-data"},
                       {"description", "Data for an id"},
                       {"mimeType", "application/json"}}});
}

absl::StatusOr<json> FixtureResources::ReadResource(
    const std::string& uri) const {
  auto contents = [&uri](json content) {
    content["uri"] = uri;
    return json{{"contents", {std::move(content)}}};
  };
  if (uri == "test://static-text") {
    return contents(
        {{"mimeType", "text/plain"},
         {"text", "This is the content of the static text resource."}});
  }
  if (uri == "test://static-binary")
    return contents({{"mimeType", "image/png"}, {"blob", kPng}});
  if (uri == "test://watched-resource") {
    return contents(
        {{"mimeType", "text/plain"}, {"text", "Watched resource content."}});
  }
  absl::string_view rest = uri;
  if (absl::ConsumePrefix(&rest, "test://template/") &&
      absl::ConsumeSuffix(&rest, "/data") && !rest.empty() &&
      !absl::StrContains(rest, "/")) {
    std::string id(rest);
    json data = {
        {"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
    return contents({{"mimeType", "application/json"}, {"text", data.dump()}});
  }
  return absl::NotFoundError(absl::StrCat("Resource not found: ", uri));
}

json FixturePrompts::ListPrompts() const {
  auto argument = [](const char* name, const char* description) {
    return json{
        {"name", name}, {"description", description}, {"required", true}};
  };
  return json::array(
      {{{"name", "test_simple_prompt"},
        {"description", "A prompt without arguments"}},
       {{"name", "test_prompt_with_arguments"},
        {"description", "A prompt with two arguments"},
        {"arguments",
         {argument("arg1", "First test argument"),
          argument("arg2", "Second test argument")}}},
       {{"name", "test_prompt_with_embedded_resource"},
        {"description", "A prompt embedding a resource"},
        {"arguments",
         {argument("resourceUri", "URI of the resource to embed")}}},
       {{"name", "test_prompt_with_image"},
        {"description", "A prompt with an image"}},
       {{"name", "test_input_required_result_prompt"},
        {"description",
         "A prompt that asks the client for its context first (2026-07-28)"}}});
}

absl::StatusOr<json> FixturePrompts::GetPromptWithInput(
    const std::string& name, const json& arguments,
    mcp::InputRound& round) const {
  if (name == "test_input_required_result_prompt") {
    return InputRequiredPrompt(round);
  }
  return GetPrompt(name, arguments);
}

absl::StatusOr<json> FixturePrompts::GetPrompt(const std::string& name,
                                               const json& arguments) const {
  auto message = [](json content) {
    return json{{"role", "user"}, {"content", content}};
  };
  auto argument = [&arguments](const char* key) -> absl::StatusOr<std::string> {
    if (!arguments.is_object() || !arguments.contains(key) ||
        !arguments[key].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("missing argument ", key));
    }
    return arguments[key].get<std::string>();
  };
  if (name == "test_simple_prompt") {
    return json{
        {"messages", {message(Text("This is a simple prompt for testing."))}}};
  }
  if (name == "test_prompt_with_arguments") {
    auto arg1 = argument("arg1"), arg2 = argument("arg2");
    if (!arg1.ok()) return arg1.status();
    if (!arg2.ok()) return arg2.status();
    return json{
        {"messages",
         {message(Text(absl::StrCat("Prompt with arguments: arg1='", *arg1,
                                    "', arg2='", *arg2, "'")))}}};
  }
  if (name == "test_prompt_with_embedded_resource") {
    auto uri = argument("resourceUri");
    if (!uri.ok()) return uri.status();
    return json{
        {"messages",
         {message({{"type", "resource"},
                   {"resource",
                    {{"uri", *uri},
                     {"mimeType", "text/plain"},
                     {"text", "Embedded resource content for testing."}}}}),
          message(Text("Please process the embedded resource above."))}}};
  }
  if (name == "test_prompt_with_image") {
    return json{
        {"messages",
         {message(Image()), message(Text("Please analyze the image above."))}}};
  }
  return absl::NotFoundError(absl::StrCat("unknown prompt ", name));
}

json FixturePrompts::Complete(const json&, const json& argument) const {
  static const char* const kWords[] = {"paris", "park", "party", "python"};
  std::string prefix = argument.value("value", "");
  json values = json::array();
  for (const char* word : kWords) {
    if (absl::StartsWith(word, prefix)) values.push_back(word);
  }
  return {{"values", values}, {"total", values.size()}, {"hasMore", false}};
}

}  // namespace mfgate::conformance
