#include "gateway/mcp/jsonrpc.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_parse.h"

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

// One message of a text: a JSON object, checked against JSON-RPC.
Parsed ParseOne(json value) {
  if (!value.is_object())
    return Invalid(nullptr, "a message must be a JSON object");
  auto id_field = value.find("id");
  const bool has_id = id_field != value.end();
  json id = has_id ? *id_field : json();
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
    message.params = std::move(*params);
  }
  message.kind =
      has_id ? Message::Kind::kRequest : Message::Kind::kNotification;
  return {std::move(message), std::nullopt};
}

Incoming One(Parsed parsed) {
  Incoming incoming;
  incoming.items.push_back(std::move(parsed));
  return incoming;
}

}  // namespace

Incoming ParseMessages(absl::string_view text, size_t max_bytes) {
  absl::StatusOr<json> value = ParseJson(text, {max_bytes, kMaxJsonDepth});
  if (!value.ok()) {
    const std::string why(value.status().message());
    switch (value.status().code()) {
      case absl::StatusCode::kInvalidArgument:
        return One({std::nullopt,
                    MakeError(nullptr, kParseError, "Parse error: " + why)});
      case absl::StatusCode::kResourceExhausted:
        return One(Invalid(nullptr, why));
      default:
        return One({std::nullopt,
                    MakeError(nullptr, kInternalError, "Internal error")});
    }
  }
  if (!value->is_array()) return One(ParseOne(std::move(*value)));
  if (value->empty()) return One(Invalid(nullptr, "an empty batch"));
  if (value->size() > kMaxBatchMessages) {
    return One(Invalid(
        nullptr, absl::StrCat("a batch of ", value->size(), " messages (limit ",
                              kMaxBatchMessages, ")")));
  }
  Incoming batch;
  batch.batch = true;
  for (json& item : *value) batch.items.push_back(ParseOne(std::move(item)));
  return batch;
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
