// ClientRequests: requests this server sends to its client (sampling,
// elicitation) and the responses that come back for them.
//
// Send() gives the request a fresh id ("mfgate-<n>", never confused with the
// client's own ids), hands it to the transport and blocks until Resolve()
// delivers the client's response, the call's token is cancelled, or the
// timeout passes. Thread-safe.
#ifndef MFGATE_GATEWAY_MCP_CLIENT_REQUESTS_H_
#define MFGATE_GATEWAY_MCP_CLIENT_REQUESTS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

class ClientRequests {
 public:
  // Sends {method, params} through `send` and waits for the response's
  // result. Errors: the client's JSON-RPC error (as Unknown, with its
  // message), Cancelled, DeadlineExceeded.
  absl::StatusOr<nlohmann::json> Send(
      const std::string& method, const nlohmann::json& params,
      const CancellationToken& token,
      const std::function<void(const nlohmann::json&)>& send,
      absl::Duration timeout);

  // Delivers a response from the client; false if no request awaits it.
  bool Resolve(const nlohmann::json& response);

  // Fails every waiting request (the session is closing).
  void CancelAll();

 private:
  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::optional<nlohmann::json>> waiting_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_CLIENT_REQUESTS_H_
