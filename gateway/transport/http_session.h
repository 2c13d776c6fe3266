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
// it missed (Replay); a request stream whose client went away (Detach) sends
// the rest of its events to the standalone stream. Thread-safe.
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
#include "nlohmann/json.hpp"

namespace mfgate::transport {

// One server-sent event: its id and its message, serialized once and shared
// by the stream that sends it and the history that may replay it. A null
// `data` ends a request stream whose request was cancelled (no response
// follows).
struct StreamEvent {
  uint64_t id = 0;
  std::shared_ptr<const std::string> data;
};

// The events of one request answered as a stream; ends with its response.
class RequestStream {
 public:
  // The next event, waiting up to `wait`; nullopt on timeout or once the
  // stream has ended (see finished()).
  std::optional<StreamEvent> Next(absl::Duration wait);
  bool finished() const;

 private:
  friend class HttpSession;
  void Push(StreamEvent event, bool last);

  mutable absl::Mutex mu_;
  std::deque<StreamEvent> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;  // The last event was pushed.
};

class HttpSession {
 public:
  // Events kept for a standalone stream no client reads, and for replay: at
  // most this many, and (the newest always kept) this many bytes in all.
  static constexpr size_t kMaxBacklog = 1000;
  static constexpr size_t kMaxBacklogBytes = 256 << 10;

  HttpSession(std::string id, std::string tenant, mcp::Handlers handlers,
              const mcp::SessionOptions& options);
  ~HttpSession();

  const std::string& id() const { return id_; }
  const std::string& tenant() const { return tenant_; }

  // Hands `message` to the session. For a request, waits up to `timeout`
  // for its response and returns its text (a JSON-RPC error when it times
  // out); nullopt for notifications and responses, and for a request that
  // ended without a response (it was cancelled).
  std::optional<std::string> Exchange(const mcp::Message& message,
                                      absl::Duration timeout);

  // Hands the items of a batch to the session (its BatchRefusal() must be
  // nullopt). Waits up to `timeout` for the batch's response and returns its
  // text (a JSON array); nullopt when no item gets a response.
  std::optional<std::string> ExchangeBatch(
      const std::vector<mcp::Parsed>& batch, absl::Duration timeout);
  // The error that refuses a batch in this session, if it refuses them.
  std::optional<nlohmann::json> BatchRefusal() const {
    return session_->BatchRefusal();
  }

  // Hands the request `message` to the session and returns the stream of its
  // events, which ends with its response.
  std::shared_ptr<RequestStream> Start(const mcp::Message& message);
  // The client of request `id`'s stream went away: the rest of the
  // request's events go to the standalone stream.
  void Detach(const nlohmann::json& id);

  // Hands `message` (or a batch's items) to the session; every reply goes to
  // the standalone stream.
  void Post(const mcp::Message& message);
  void PostBatch(const std::vector<mcp::Parsed>& batch);

  // The next standalone-stream event, waiting up to `wait`; nullopt on
  // timeout or when the session is closed.
  std::optional<StreamEvent> NextStreamEvent(absl::Duration wait);

  // The events after `last_event_id` of the stream that event belonged to,
  // while the history still holds them (none for an unknown id).
  std::vector<StreamEvent> Replay(uint64_t last_event_id) const;

  // Claims the single standalone GET stream; false if one is open already.
  bool OpenStandaloneStream();
  void CloseStandaloneStream();

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
  // A response a POST waits for.
  struct Awaited {
    bool done = false;  // Answered, or ended without a response.
    std::shared_ptr<const std::string> text;  // The response; null if none.
  };

  // Registers `id` as awaited, calls `hand` (which hands the request to the
  // session), and waits up to `timeout` for the response to `id`. A timeout
  // or a closed session yields a -32603 error for `error_id`.
  std::optional<std::string> Await(const nlohmann::json& id,
                                   const nlohmann::json& error_id,
                                   const std::function<void()>& hand,
                                   absl::Duration timeout);

  void Route(const mcp::Outgoing& message);
  StreamEvent Record(const std::string& stream,
                     std::shared_ptr<const std::string> text)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch();

  const std::string id_;
  const std::string tenant_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool standalone_open_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_used_ ABSL_GUARDED_BY(mu_);
  uint64_t next_event_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<Recorded> history_ ABSL_GUARDED_BY(mu_);
  size_t history_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Responses awaited by a JSON POST, by request (or batch) id key.
  std::map<std::string, Awaited> awaited_ ABSL_GUARDED_BY(mu_);
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
