#include "gateway/mcp/input_round.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/request_state.h"

namespace mfgate::mcp {

using json = nlohmann::json;

absl::Status ReadInputRound(const json& params, const std::string& kind,
                            const std::string& name, json* input_responses,
                            json* state) {
  if (params.contains("inputResponses")) {
    if (!params["inputResponses"].is_object()) {
      return absl::InvalidArgumentError(
          "Invalid params: \"inputResponses\" must be an object");
    }
    *input_responses = params["inputResponses"];
  }
  if (!params.contains("requestState")) return absl::OkStatus();
  absl::StatusOr<json> opened =
      params["requestState"].is_string()
          ? RequestStateSeal::Shared().Open(
                params["requestState"].get_ref<const std::string&>())
          : absl::InvalidArgumentError("\"requestState\" must be a string");
  if (opened.ok() && (!opened->is_object() || !opened->contains(kind) ||
                      (*opened)[kind] != name)) {
    opened =
        absl::InvalidArgumentError("requestState belongs to another request");
  }
  if (!opened.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid params: ", opened.status().message()));
  }
  *state = (*opened)["state"];
  return absl::OkStatus();
}

json MissingCapabilityError(const json& id, const std::string& capability) {
  return MakeError(
      id, kMissingClientCapability,
      absl::StrCat("Missing required client capability: ", capability),
      json{{"requiredCapabilities", {{capability, json::object()}}}});
}

void InputRequests::Require(const std::string& key, const std::string& method,
                            const json& params) {
  std::string needed = method.substr(0, method.find('/'));
  if (!capabilities_.contains(needed)) {
    missing_ = std::move(needed);
    return;
  }
  if (inputs_.size() < kMaxInputRequests) {
    inputs_[key] = {{"method", method}, {"params", params}};
  }
}

json InputRequests::Result(const std::string& kind, const std::string& name,
                           const json& state) const {
  return json{{"resultType", "input_required"},
              {"inputRequests", inputs_},
              {"requestState", RequestStateSeal::Shared().Seal(
                                   {{kind, name}, {"state", state}})}};
}

}  // namespace mfgate::mcp
