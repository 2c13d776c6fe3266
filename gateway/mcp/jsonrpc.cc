#include "gateway/mcp/jsonrpc.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

Parsed Invalid(const json& id, const std::string& why) {
  return {std::nullopt,
          MakeError(id, kInvalidRequest, "Invalid Request: " + why)};
}

bool ValidId(const json& id) {
  return id.is_string() || id.is_number_integer();
}

}  // namespace

Parsed ParseMessage(absl::string_view text) {
  json value;
  try {
    value = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& error) {
    return {std::nullopt,
            MakeError(nullptr, kParseError,
                      absl::StrCat("Parse error: invalid JSON at byte ",
                                   error.byte))};
  }
  if (value.is_array()) {
    return Invalid(nullptr,
                   "batches are not supported; send one message at a time");
  }
  if (!value.is_object())
    return Invalid(nullptr, "a message must be a JSON object");
  json id = value.contains("id") ? value["id"] : json();
  const bool has_id = value.contains("id");
  if (has_id && !ValidId(id)) {
    return Invalid(nullptr, "\"id\" must be a string or an integer");
  }
  auto version = value.find("jsonrpc");
  if (version == value.end() || *version != "2.0") {
    return Invalid(id, "\"jsonrpc\" must be \"2.0\"");
  }
  Message message;
  message.id = id;
  auto method = value.find("method");
  if (method == value.end()) {
    if (has_id && (value.contains("result") || value.contains("error"))) {
      message.kind = Message::Kind::kResponse;
      message.body = std::move(value);
      return {std::move(message), std::nullopt};
    }
    return Invalid(id, "missing \"method\"");
  }
  if (!method->is_string() || method->get_ref<const std::string&>().empty()) {
    return Invalid(id, "\"method\" must be a non-empty string");
  }
  message.method = method->get<std::string>();
  auto params = value.find("params");
  if (params != value.end()) {
    if (!params->is_object() && !params->is_array()) {
      return {std::nullopt,
              MakeError(id, kInvalidParams,
                        "Invalid params: \"params\" must be an object")};
    }
    message.params = *params;
  }
  message.kind =
      has_id ? Message::Kind::kRequest : Message::Kind::kNotification;
  return {std::move(message), std::nullopt};
}

json MakeResult(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json MakeError(const json& id, int code, const std::string& message,
               const json& data) {
  json error{{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

json MakeNotification(const std::string& method, json params) {
  json message{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return message;
}

std::string IdKey(const json& id) { return id.dump(); }

}  // namespace mfgate::mcp
