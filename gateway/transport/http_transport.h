// HttpTransport: MCP over HTTP — Streamable HTTP at /mcp and the legacy
// HTTP+SSE transport at /sse + /messages/ — plus /health and /ready.
//
// Connections, threads and overload belong to HttpListener; requests are
// parsed and answered by cpp-httplib's Server. Each request walks: Origin
// and Host checks -> authentication (API key -> tenant) -> session lookup (a
// session is bound to the tenant that created it) -> HttpSession. /health
// is always open and says nothing about tenants; /health and /ready are
// answered on the listener's own thread, which no load can take. Streamable
// HTTP's session ids are signed tokens (auth/session_token.h): a replica
// that does not hold a session rebuilds it from its token (its tenant,
// version and client capabilities), so any replica sharing the secret
// serves any request of it; DELETE revokes it on this replica at once, on
// the others when the token expires. What lives in one replica's memory —
// calls in flight, their events, server-to-client requests, resource
// subscriptions — stays there: a stream resumed (Last-Event-ID) on a
// replica that did not send those events ends at once with a retry hint.
// Legacy HTTP+SSE sessions live as long as their stream, on its replica.
// Streamable HTTP answers a POSTed request with application/json (a tool call
// that sends something before its response: an event stream), and a batch,
// where the session's revision has them, with one JSON array; notifications and
// responses get 202; GET opens the session's event stream; DELETE ends the
// session. A body that is not a valid message gets 400 and its JSON-RPC
// error (mcp/jsonrpc.h); a failure inside the gateway is a JSON-RPC error
// (-32603) with a body, never an empty 500.
//
// Thread-safety: Start once; then Drain and Stop from any one thread.
#ifndef MFGATE_GATEWAY_TRANSPORT_HTTP_TRANSPORT_H_
#define MFGATE_GATEWAY_TRANSPORT_HTTP_TRANSPORT_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/auth/api_keys.h"
#include "gateway/auth/rate_limits.h"
#include "gateway/auth/session_token.h"
#include "gateway/config/config.h"
#include "gateway/mcp/session.h"
#include "gateway/transport/caller_names.h"
#include "gateway/transport/http_listener.h"
#include "gateway/transport/http_session.h"
#include "gateway/transport/mcp_headers.h"
#include "gateway/transport/session_table.h"
#include "nlohmann/json.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace mfgate::transport {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 picks a free port (see HttpTransport::port()).
  // Body size, sessions, rates, connections, threads, streams, deadlines.
  config::Limits limits;
  // How long a POST waits for its response.
  absl::Duration response_timeout = absl::Minutes(10);
  // Origins allowed besides loopback ones (DNS-rebinding protection).
  std::vector<std::string> allowed_origins;
  // Without keys every caller is the default tenant.
  std::string default_tenant;
  // Signs session tokens; the replicas of one deployment share it. Empty: a
  // random secret of this process (its sessions are its own).
  std::string session_secret;
  // PEM certificate chain and private key: serve HTTPS instead of HTTP.
  std::string tls_cert;
  std::string tls_key;
  // Not owned; when set, kept equal to the number of open sessions (for
  // /metrics). Must outlive the transport.
  std::atomic<int64_t>* open_sessions = nullptr;
  // Not owned; when set, counts the requests answered (the gateway gives
  // memory back once it stops growing). Must outlive the transport.
  std::atomic<uint64_t>* requests_answered = nullptr;
};

class HttpTransport {
 public:
  // What a tenant's sessions serve; tools == nullptr for an unknown tenant.
  using ProviderFor = std::function<mcp::Handlers(const std::string& tenant)>;
  // Whether every tenant's worker serves; fills `tenants` with what the
  // caller (of `tenant`) may see: its own tenant's state and cause.
  using ReadyCheck =
      std::function<bool(const std::string& tenant, nlohmann::json* tenants)>;

  // `keys` is not owned and must outlive the transport.
  HttpTransport(HttpOptions options, const auth::ApiKeys* keys,
                ProviderFor providers, mcp::SessionOptions session_options,
                ReadyCheck ready);
  ~HttpTransport();

  // Binds and serves, on threads of its own.
  absl::Status Start();
  // Stops cleanly: /ready answers 503 first, then new connections are
  // refused and new requests answered 503; the process's tasks are
  // cancelled and their results dropped (TaskStore::CancelAll); calls in
  // flight may finish until `deadline` (then they are cancelled), their
  // answers are written (up to the send timeout longer), then Stop.
  void Drain(absl::Time deadline);
  // Cancels running calls, ends event streams and closes every connection.
  void Stop();
  // Ends every session of `tenant` (a reload removed or replaced it): their
  // calls are cancelled and their event streams end; returns how many.
  size_t EndTenant(const std::string& tenant);
  // The bound port, once started (0 before).
  int port() const;

 private:
  class RequestServer;

  void Routes();
  HttpListener::Lane LaneOf(const RequestHead& head) const;
  // Admission and sessions (http_admission.cc).
  // The tenant of the request, or an HTTP error written into `res`.
  bool Admit(const httplib::Request& req, httplib::Response& res,
             std::string* tenant);
  std::shared_ptr<HttpSession> NewSession(const std::string& tenant,
                                          httplib::Response& res);
  // The session options of a session whose worker calls name `caller`
  // (caller_names.h).
  mcp::SessionOptions OptionsFor(std::string caller) const;
  // Adds `session` to the table, making room as the session cap says;
  // false with the answer in `res` when it cannot.
  bool AddSession(const std::shared_ptr<HttpSession>& session,
                  httplib::Response& res);
  // The session a Streamable HTTP request names by its token: the one this
  // replica holds, or one rebuilt from the token; else 400/404 in `res`.
  std::shared_ptr<HttpSession> FindSession(const std::string& token,
                                           const std::string& tenant,
                                           httplib::Response& res);
  // The legacy HTTP+SSE session `id` (random, held by this replica alone).
  std::shared_ptr<HttpSession> FindLegacySession(const std::string& id,
                                                 const std::string& tenant,
                                                 httplib::Response& res);
  // The token that names `session` once it is initialized (empty before).
  std::string TokenFor(const HttpSession& session);
  // Every second: closes idle sessions past their expiry, and cancels calls
  // whose clients went away for good.
  void Sweep();
  void HandleMcpPost(const httplib::Request& req, httplib::Response& res);
  void HandleMcpGet(const httplib::Request& req, httplib::Response& res);
  void HandleMcpDelete(const httplib::Request& req, httplib::Response& res);
  void HandleSseGet(const httplib::Request& req, httplib::Response& res);
  void HandleSsePost(const httplib::Request& req, httplib::Response& res);
  // Whether a POSTed message without a session is a modern request, served
  // statelessly (http_stateless.cc).
  static bool IsStatelessPost(const mcp::Message& message,
                              const std::string& version_header);
  void HandleStatelessPost(const std::string& tenant,
                           const mcp::Message& message,
                           const httplib::Request& req, httplib::Response& res);
  // The -32020 error answering tools/call `message` when its Mcp-Param-*
  // headers disagree with the x-mcp-header parameters its tool declares.
  static std::optional<nlohmann::json> CheckToolParamHeaders(
      const mcp::ToolProvider& tools, const mcp::Message& message,
      const HeaderSource& headers);
  // Answers a request as an event stream of what serving it sends.
  // `status_of` gives the HTTP status of a response sent as one JSON body
  // (200 when null).
  // `on_closed` (if set) runs once the answer is written or abandoned.
  void StreamRequest(std::shared_ptr<HttpSession> session,
                     const mcp::Message& request, httplib::Response& res,
                     int (*status_of)(absl::string_view) = nullptr,
                     std::function<void()> on_closed = nullptr);
  // Answers subscriptions/listen `message` of `tenant` as an event stream,
  // counted against the tenant's event streams (http_listen.cc).
  void StreamListen(std::shared_ptr<HttpSession> session,
                    const std::string& tenant, const mcp::Message& message,
                    const httplib::Request& req, httplib::Response& res);
  // Ends the open listens (of `tenant`; every one when null): each is sent
  // its response and its stream ends.
  void EndListens(const std::string* tenant);
  // Streams the session's messages as server-sent events, after
  // `first_event`, counted against its tenant's streams (OpenStream first);
  // with `owns_session` the session ends with the stream.
  void StreamEvents(std::shared_ptr<HttpSession> session,
                    httplib::Response& res, std::string first_event,
                    bool owns_session);

  const HttpOptions options_;
  const auth::ApiKeys* const keys_;
  const ProviderFor providers_;
  const mcp::SessionOptions session_options_;
  const ReadyCheck ready_;
  std::unique_ptr<RequestServer> server_;
  std::unique_ptr<HttpListener> listener_;
  std::atomic<bool> draining_{false};
  auth::TokenBuckets tenant_rates_;
  auth::FailureThrottle auth_failures_;
  const auth::SessionTokens tokens_;
  const CallerNames callers_;
  auth::RevokedSessions revoked_;

  SessionTable sessions_;
  // Event streams whose response is being written (StreamOpened when one
  // is set up, StreamClosed when httplib releases it): a drain lets them
  // write what their sessions queued before it ends them.
  void StreamOpened();
  void StreamClosed();
  // Whether every stream ended by `deadline`.
  bool AwaitStreamsEnded(absl::Time deadline);
  // The sessions of open listens, by tenant.
  absl::Mutex listens_mu_;
  std::multimap<std::string, std::weak_ptr<HttpSession>> listens_
      ABSL_GUARDED_BY(listens_mu_);
  absl::Mutex streams_mu_;
  int open_streams_ ABSL_GUARDED_BY(streams_mu_) = 0;
  absl::Notification stop_sweeping_;
  std::thread sweeper_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_HTTP_TRANSPORT_H_
