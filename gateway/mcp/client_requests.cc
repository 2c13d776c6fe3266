#include "gateway/mcp/client_requests.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/mcp/jsonrpc.h"

namespace mfgate::mcp {

using json = nlohmann::json;

absl::StatusOr<json> ClientRequests::Send(
    const std::string& method, const json& params,
    const CancellationToken& token,
    const std::function<void(const json&)>& send, absl::Duration timeout) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::CancelledError("the session is closing");
    id = absl::StrCat("mfgate-", next_id_++);
    waiting_[IdKey(id)] = std::nullopt;
  }
  send(json{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  const std::string key = IdKey(id);
  absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  auto answered = [this, &key]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || waiting_[key].has_value();
  };
  // Wake up now and then to notice a cancelled call.
  while (!answered() && !token.cancelled() && absl::Now() < deadline) {
    mu_.AwaitWithDeadline(
        absl::Condition(&answered),
        std::min(deadline, absl::Now() + absl::Milliseconds(50)));
  }
  std::optional<json> response = std::move(waiting_[key]);
  waiting_.erase(key);
  if (!response.has_value()) {
    if (token.cancelled() || closed_)
      return absl::CancelledError(absl::StrCat(method, " cancelled"));
    return absl::DeadlineExceededError(
        absl::StrCat("the client did not answer ", method));
  }
  if (response->contains("error")) {
    const json& error = (*response)["error"];
    return absl::UnknownError(
        absl::StrCat("the client refused ", method, ": ",
                     error.contains("message") && error["message"].is_string()
                         ? error["message"].get<std::string>()
                         : error.dump()));
  }
  return response->value("result", json::object());
}

bool ClientRequests::Resolve(const json& response) {
  if (!response.contains("id")) return false;
  absl::MutexLock lock(&mu_);
  auto waiting = waiting_.find(IdKey(response["id"]));
  if (waiting == waiting_.end()) return false;
  waiting->second = response;
  return true;
}

void ClientRequests::CancelAll() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

}  // namespace mfgate::mcp
