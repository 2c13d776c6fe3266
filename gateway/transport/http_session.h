// HttpSession: one MCP session carried over HTTP requests.
//
// HTTP splits a session's traffic: a POSTed request expects its response on
// that POST, while notifications and responses to nobody waiting go to the
// session's event stream (Streamable HTTP's GET stream, or the legacy SSE
// stream). HttpSession routes the protocol Session's outgoing messages
// accordingly, bounds the stream's backlog, and remembers the tenant and the
// last use (for idle expiry). Thread-safe.
#ifndef MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_
#define MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/session.h"
#include "nlohmann/json.hpp"

namespace mfgate::transport {

class HttpSession {
 public:
  // Messages kept for a stream no client reads; older ones are dropped.
  static constexpr size_t kMaxBacklog = 1000;

  HttpSession(std::string id, std::string tenant, mcp::ToolProvider* tools,
              const mcp::SessionOptions& options);
  ~HttpSession();

  const std::string& id() const { return id_; }
  const std::string& tenant() const { return tenant_; }

  // Hands `message` to the session. For a request, waits up to `timeout`
  // for its response and returns it (a JSON-RPC error when it times out);
  // nullopt for notifications and responses.
  std::optional<nlohmann::json> Exchange(const mcp::Message& message,
                                         absl::Duration timeout);

  // Hands `message` to the session; every reply goes to the stream.
  void Post(const mcp::Message& message);

  // The next stream message, waiting up to `wait`; nullopt on timeout or
  // when the session is closed.
  std::optional<nlohmann::json> NextStreamMessage(absl::Duration wait);

  // Ends the session: running calls are cancelled, streams end.
  void Close();
  bool closed() const;
  absl::Time last_used() const;

 private:
  void Route(const nlohmann::json& message);
  void Touch();

  const std::string id_;
  const std::string tenant_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_used_ ABSL_GUARDED_BY(mu_);
  // Responses awaited by a POST, by request id key; nullopt until it comes.
  std::map<std::string, std::optional<nlohmann::json>> awaited_
      ABSL_GUARDED_BY(mu_);
  std::deque<nlohmann::json> stream_ ABSL_GUARDED_BY(mu_);

  // Last: its outbox calls Route, which uses the members above.
  std::unique_ptr<mcp::Session> session_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_
