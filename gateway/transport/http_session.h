// HttpSession: one MCP session carried over HTTP requests.
//
// HTTP splits a session's traffic over several connections. A POSTed request
// gets its response on that POST: as one JSON body (Exchange), or as an event
// stream that also carries what the server sends while serving it —
// progress, log messages, sampling and elicitation requests (Start). Anything
// else goes to the session's standalone stream (Streamable HTTP's GET, or the
// legacy SSE stream).
//
// Every event gets a session-wide id and is kept in a bounded history, so a
// client that lost a stream can reconnect with Last-Event-ID and be sent what
// it missed (Replay). Ids start at a random number, so that the events of
// the same session on two replicas are never taken for one another.
//
// A request is pending from its arrival until its response (or its end
// without one); a request reusing the id of a pending one is answered at
// once with -32600 ("id already in use"). A client that goes away
// (ClientGone) cancels its call, through the same path as
// notifications/cancelled, unless it was sent events of the call's stream
// already and may resume them: then the rest goes to the standalone stream,
// and the call is cancelled if no client opens that stream within
// kResumeGrace (ExpireDetached). Thread-safe.
#ifndef MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_
#define MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/providers.h"
#include "gateway/mcp/session.h"
#include "gateway/transport/request_stream.h"
#include "nlohmann/json.hpp"

namespace mfgate::transport {

class HttpSession {
 public:
  // Events kept for a standalone stream no client reads, and for replay: at
  // most this many, and (the newest always kept) this many bytes in all.
  static constexpr size_t kMaxBacklog = kStreamBacklog;
  static constexpr size_t kMaxBacklogBytes = kStreamBacklogBytes;
  // How long a call keeps running after the client of its stream went away
  // having been sent some of its events, for a client to come back for the
  // rest (on the standalone stream).
  static constexpr absl::Duration kResumeGrace = absl::Seconds(10);

  HttpSession(std::string id, std::string tenant, mcp::Handlers handlers,
              const mcp::SessionOptions& options);
  ~HttpSession();

  const std::string& id() const { return id_; }
  const std::string& tenant() const { return tenant_; }

  // Puts a session that another replica initialized in the state its
  // token carries (version, client capabilities), before its first use.
  void Resume(const std::string& protocol_version,
              const nlohmann::json& capabilities) {
    session_->Resume(protocol_version, capabilities);
  }
  // The negotiated version (empty before initialize) and what the client
  // declared, for its token.
  std::string protocol_version() const { return session_->protocol_version(); }
  nlohmann::json client_capabilities() const {
    return session_->client_capabilities();
  }

  // Hands `message` to the session. For a request, waits up to `timeout`
  // for its response and returns its text (a JSON-RPC error when it times
  // out); nullopt for notifications and responses, and for a request that
  // ended without a response (it was cancelled).
  std::optional<std::string> Exchange(const mcp::Message& message,
                                      absl::Duration timeout);

  // Hands the items of a batch to the session (its BatchRefusal() must be
  // nullopt). Waits up to `timeout` for the batch's response and returns its
  // text (a JSON array); nullopt when no item gets a response. The batch is
  // pending under its mcp::BatchId.
  std::optional<std::string> ExchangeBatch(
      const std::vector<mcp::Parsed>& batch, absl::Duration timeout);
  // The error that refuses a batch in this session, if it refuses them.
  std::optional<nlohmann::json> BatchRefusal() const {
    return session_->BatchRefusal();
  }

  // Hands the request `message` to the session and returns the stream of its
  // events, which ends with its response.
  std::shared_ptr<RequestStream> Start(const mcp::Message& message);
  // The client waiting for request `id` went away: its call is cancelled,
  // unless the client may resume the call's stream (see above).
  void ClientGone(const nlohmann::json& id);
  // The writer of request `id`'s stream wrote its last event: a call whose
  // stream its client read too slowly (ended with an error) is cancelled.
  void StreamEnded(const nlohmann::json& id);
  // Cancels the calls whose client went away more than kResumeGrace before
  // `now` with no client come back for the rest of their events; returns
  // how many.
  int ExpireDetached(absl::Time now);

  // Hands `message` (or a batch's items) to the session; every reply goes to
  // the standalone stream.
  void Post(const mcp::Message& message);
  void PostBatch(const std::vector<mcp::Parsed>& batch);

  // The next standalone-stream event, waiting up to `wait`; nullopt on
  // timeout, when the session is closed, once its stream overran
  // (standalone_overrun), or once `stop` (if set) is true.
  // `stop` is checked again when WakeStreams is called.
  std::optional<StreamEvent> NextStreamEvent(
      absl::Duration wait, const std::function<bool()>& stop = nullptr);
  // Has the threads waiting in NextStreamEvent check their `stop` (e.g.
  // their client went away).
  void WakeStreams();

  // The events after `last_event_id` of the stream that event belonged to;
  // nullopt when the history does not hold that event (it is older than the
  // history, or another replica sent it: the events cannot be rebuilt here).
  std::optional<std::vector<StreamEvent>> Replay(uint64_t last_event_id) const;

  // The open standalone stream's client read so slowly that events would
  // have been dropped: NextStreamEvent gives no more, and the stream must
  // end (a Streamable HTTP client resumes it with Last-Event-ID; a legacy
  // SSE session ends with it). Until the stream is opened again.
  bool standalone_overrun() const;

  // Claims the single standalone stream (GET, or the legacy SSE stream);
  // false if one is open already.
  bool OpenStandaloneStream();
  void CloseStandaloneStream();

  // No request is pending and no standalone stream is open: nothing is lost
  // if the session is evicted.
  bool idle() const;

  // Bytes of the events kept for replay (at most kMaxBacklogBytes, unless the
  // newest event alone is larger).
  size_t history_bytes() const;

  // Ends the session: running calls are cancelled, streams end.
  void Close();
  // Lets running calls finish until `deadline`, then Close.
  void Drain(absl::Time deadline);
  bool closed() const;
  absl::Time last_used() const;

 private:
  struct Recorded {
    StreamEvent event;
    std::string stream;  // The request id key, or "" for the standalone stream.
  };
  // A client request, from its arrival until its response or its end.
  struct Pending {
    nlohmann::json id;
    bool awaited = false;   // Exchange waits for its response...
    bool answered = false;  // ... which arrived (null `response`: none).
    std::shared_ptr<const std::string> response;
    bool cancel_requested = false;
    // When its stream's client went away after events were delivered.
    absl::Time detached = absl::InfiniteFuture();
  };

  // Registers request `id` as pending; false when its id is in use.
  bool Begin(const std::string& key, const nlohmann::json& id, bool awaited)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Begin for a posted (legacy) request or batch; an id in use is answered
  // on the standalone stream, and false.
  bool Admit(const nlohmann::json& id);
  // Registers `id` (a request's, or a batch's) as awaited, calls `hand`
  // (which hands it to the session), and waits up to `timeout` for its
  // response; a timeout or a closed session yields a -32603 error for
  // `error_id`.
  std::optional<std::string> Await(const nlohmann::json& id,
                                   const nlohmann::json& error_id,
                                   const std::function<void()>& hand,
                                   absl::Duration timeout);
  // Cancels request `id` (each request of a batch's id) through
  // notifications/cancelled.
  void CancelCall(const nlohmann::json& id);
  // A cancel that came before the call had started is sent again.
  void CancelIfRequested(const std::string& key);
  void Route(const mcp::Outgoing& message);
  StreamEvent Record(const std::string& stream,
                     std::shared_ptr<const std::string> text)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `event` for the standalone stream, within kMaxBacklog events
  // and kMaxBacklogBytes: with no stream open the oldest are dropped (the
  // history keeps them for a resume); an open one overruns.
  void QueueStandalone(StreamEvent event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch();

  const std::string id_;
  const std::string tenant_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool standalone_open_ ABSL_GUARDED_BY(mu_) = false;
  // The open standalone stream's client read too slowly (events dropped).
  bool standalone_overrun_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_used_ ABSL_GUARDED_BY(mu_);
  uint64_t next_event_id_ ABSL_GUARDED_BY(mu_);
  std::deque<Recorded> history_ ABSL_GUARDED_BY(mu_);
  size_t history_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Pending requests, by request id key.
  std::map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // Requests answered as streams, by request id key.
  std::map<std::string, std::shared_ptr<RequestStream>> request_streams_
      ABSL_GUARDED_BY(mu_);
  std::deque<StreamEvent> stream_ ABSL_GUARDED_BY(mu_);
  size_t stream_bytes_ ABSL_GUARDED_BY(mu_) = 0;

  // Last: its outbox calls Route, which uses the members above.
  std::unique_ptr<mcp::Session> session_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_HTTP_SESSION_H_
