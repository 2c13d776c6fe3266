// HttpSession: one MCP session carried over HTTP requests.
//
// HTTP splits a session's traffic over several connections. A POSTed request
// gets its response on that POST: as one JSON body (Exchange), or as an event
// stream that also carries what the server sends while serving it —
// progress, log messages, sampling and elicitation requests (Start). Anything
// else goes to the session's standalone stream (Streamable HTTP's GET, or the
// legacy SSE stream), whose backlog is bounded. HttpSession routes the
// protocol Session's outgoing messages accordingly and remembers the tenant
// and the last use (for idle expiry). Thread-safe.
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
#include "gateway/mcp/providers.h"
#include "gateway/mcp/session.h"
#include "nlohmann/json.hpp"

namespace mfgate::transport {

// The events of one request answered as a stream; ends with its response (or
// a null event when the request ended unanswered).
class RequestStream {
 public:
  // The next event, waiting up to `wait`; nullopt on timeout or once the
  // stream has ended (see finished()).
  std::optional<nlohmann::json> Next(absl::Duration wait);
  bool finished() const;

 private:
  friend class HttpSession;
  void Push(nlohmann::json message, bool last);

  mutable absl::Mutex mu_;
  std::deque<nlohmann::json> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;  // The last event was pushed.
};

class HttpSession {
 public:
  // Messages kept for a stream no client reads; older ones are dropped.
  static constexpr size_t kMaxBacklog = 1000;

  HttpSession(std::string id, std::string tenant, mcp::Handlers handlers,
              const mcp::SessionOptions& options);
  ~HttpSession();

  const std::string& id() const { return id_; }
  const std::string& tenant() const { return tenant_; }

  // Hands `message` to the session. For a request, waits up to `timeout`
  // for its response and returns it (a JSON-RPC error when it times out);
  // nullopt for notifications and responses.
  std::optional<nlohmann::json> Exchange(const mcp::Message& message,
                                         absl::Duration timeout);

  // Hands the request `message` to the session and returns the stream of its
  // events, which ends with its response.
  std::shared_ptr<RequestStream> Start(const mcp::Message& message);

  // Hands `message` to the session; every reply goes to the standalone stream.
  void Post(const mcp::Message& message);

  // The next standalone-stream message, waiting up to `wait`; nullopt on
  // timeout or when the session is closed.
  std::optional<nlohmann::json> NextStreamMessage(absl::Duration wait);

  // Ends the session: running calls are cancelled, streams end.
  void Close();
  bool closed() const;
  absl::Time last_used() const;

 private:
  void Route(const nlohmann::json& message, const nlohmann::json& related);
  void Touch();

  const std::string id_;
  const std::string tenant_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_used_ ABSL_GUARDED_BY(mu_);
  // Responses awaited by a JSON POST, by request id key; nullopt until then.
  std::map<std::string, std::optional<nlohmann::json>> awaited_
      ABSL_GUARDED_BY(mu_);
  // Requests answered as streams, by request id key.
  std::map<std::string, std::shared_ptr<RequestStream>> request_streams_
      ABSL_GUARDED_BY(mu_);
  std::deque<nlohmann::json> stream_ ABSL_GUARDED_BY(mu_);

  // Last: its outbox calls Route, which uses the members above.
  std::unique_ptr<mcp::Session> session_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_
