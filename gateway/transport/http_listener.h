// HttpListener: the HTTP server's connections, from accept until a thread
// answers a complete request, with a bound on everything a client can hold.
//
// cpp-httplib gives every connection a thread of a fixed pool for its whole
// life, reading headers included: 128 clients that trickle their bytes, or
// 128 open event streams, leave no thread to answer anyone, /health
// included. Here one reactor thread (epoll) accepts connections, completes
// TLS handshakes and reads each request whole (RequestFramer) without
// blocking, so a slow client holds a buffer and a descriptor, never a thread,
// and is cut off (408) when its request has not arrived within
// `request_read_timeout` of its first byte. A complete request then goes to
// its lane (LaneOf):
//  - kInline: answered on the reactor itself (/health, /ready: cheap, never
//    blocking), so that no load on the other lanes can delay them;
//  - kRequest: a pool of `request_threads`, with at most
//    `max_queued_requests` waiting for a thread;
//  - kStream: event streams, which hold their thread for their whole life, a
//    thread each, at most `stream_threads`.
// Overload is answered at once, never queued without bound: 503 with
// Retry-After for connections past `max_connections`, requests past the
// queue, streams past their threads, and request bytes past
// `max_buffered_bytes` over all connections. A request that breaks a limit
// of the framer gets its 4xx as soon as the limit is passed (413 for a
// chunked body that grows too large, without reading it further). Such
// answers come from the listener itself (JSON-RPC error bodies), and their
// connections close.
//
// While a thread answers a request, the reactor still watches the
// connection: a client that goes away marks it gone and runs the hooks its
// handler registered (Connection::OnGone). A request-lane thread that has
// answered waits a moment (kFollowUp) for the same client's next request,
// and answers it too when it comes whole, while another thread is free for
// other requests: a busy client is not handed to the reactor and back
// between its requests. Otherwise, and always between event streams, kept-alive
// connections wait in the reactor, and close after `keep_alive_idle`.
//
// Thread-safety: Start, then StopAccepting, Stop and port() from any
// thread.
#ifndef MFGATE_GATEWAY_TRANSPORT_HTTP_LISTENER_H_
#define MFGATE_GATEWAY_TRANSPORT_HTTP_LISTENER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/thread_cache.h"
#include "gateway/transport/connection.h"
#include "gateway/transport/request_framer.h"
#include "gateway/transport/tls_context.h"

namespace mfgate::transport {

struct ListenerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port (see port()).
  // PEM certificate chain and key: TLS on every connection.
  std::string tls_cert, tls_key;
  int max_connections = 1024;
  int request_threads = 128;
  int max_queued_requests = 256;
  int stream_threads = 512;
  FramerLimits framer;
  size_t max_buffered_bytes = 256u << 20;
  absl::Duration request_read_timeout = absl::Seconds(30);
  absl::Duration keep_alive_idle = absl::Seconds(15);
  absl::Duration send_timeout = absl::Seconds(30);
};

class HttpListener {
 public:
  enum class Lane { kInline, kRequest, kStream };
  using LaneOf = std::function<Lane(const RequestHead& head)>;
  // Answers the request on `stream` (the connection ends after it when
  // `close`); returns whether the connection may carry another request.
  using Serve = std::function<bool(ConnectionStream& stream, bool close)>;

  // Binds (a taken port is an error: no SO_REUSEPORT) and starts serving.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(
      ListenerOptions options, LaneOf lane_of, Serve serve);
  // Stop().
  ~HttpListener();

  int port() const { return port_; }

  // Closes the listening socket (new connections are refused); a request
  // arriving on an open connection is answered 503 and its connection
  // closed, and kept-alive connections close after their current request.
  void StopAccepting();
  // StopAccepting, then waits until every request being answered has
  // finished (the handlers must end: close what they wait on first) and
  // closes every connection.
  void Stop();

 private:
  // Bytes read at most per connection and readiness event (so that one
  // fast client cannot keep the reactor from the others).
  static constexpr size_t kReadPerEvent = 256 << 10;
  // How long a request-lane thread waits for its client's next request.
  static constexpr absl::Duration kFollowUp = absl::Milliseconds(20);
  // How long a refused connection's further bytes are read and dropped, so
  // that the client is not reset before it reads the refusal.
  static constexpr absl::Duration kLinger = absl::Seconds(2);

  enum class State { kHandshake, kReading, kBusy, kLinger };
  // A connection as the reactor sees it. Reactor thread only.
  struct Client {
    std::shared_ptr<Connection> connection;
    State state = State::kReading;
    absl::Time deadline;
  };

  HttpListener(ListenerOptions options, LaneOf lane_of, Serve serve);
  void Loop();
  void Accept(absl::Time now);
  void OnEvent(int fd, uint32_t events, absl::Time now);
  void Handshake(Client& client, absl::Time now);
  void ReadRequest(Client& client, absl::Time now);
  void Dispatch(Client& client, absl::Time now);
  // Answers the complete request on `connection` (into `capture`, when
  // set) and consumes it; whether the connection may go on.
  bool Answer(Connection& connection, std::string* capture = nullptr);
  // A lane's thread: answers the request on `connection`, and the client's
  // next ones while they follow at once; then hands it back.
  void ServeOnLane(std::shared_ptr<Connection> connection, Lane lane);
  // The request of `client` is answered: the connection reads the next one,
  // or closes.
  void Finish(Client& client, bool keep, absl::Time now);
  // Answers `status` itself, then closes the connection (after discarding
  // what the client still sends for a moment, so it can read the answer).
  void Refuse(Client& client, int status, const std::string& reason,
              bool retry_after = false);
  void Close(Client& client);
  void Watch(Client& client, uint32_t events);
  void TakeBack(absl::Time now);
  void Sweep(absl::Time now);
  void HandBack(Connection* connection, bool keep);

  const ListenerOptions options_;
  const LaneOf lane_of_;
  const Serve serve_;
  TlsContext tls_;
  ByteBudget buffered_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  // False once StopAccepting ran (read by lane threads too).
  std::atomic<bool> accepting_{true};

  absl::Mutex mu_;
  // Connections whose request was answered, and whether they may go on.
  std::vector<std::pair<Connection*, bool>> handed_back_ ABSL_GUARDED_BY(mu_);
  bool stop_accepting_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Reactor thread only.
  std::unordered_map<int, Client> clients_;
  std::vector<int> ready_;  // Clients with buffered bytes to frame.
  absl::Time listen_paused_until_ = absl::InfinitePast();

  ThreadCache requests_;
  ThreadCache streams_;
  std::thread reactor_;  // Last: starts once the rest is built.
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_HTTP_LISTENER_H_
