// Connection: one client connection of the HTTP server (TCP, or TLS over
// it) and the request arriving on it; ConnectionStream, the httplib::Stream
// that answers one request read from it; ByteBudget, the bytes of requests
// held over all connections.
//
// A connection belongs to one thread at a time: the listener's reactor while
// a request arrives (non-blocking reads, framed by a RequestFramer), then the
// thread that answers the request (blocking sends, each within a deadline),
// which hands it back.
// Shared between them are only the hangup hooks: the reactor still watches
// a connection whose request is being answered, and when the client goes
// away it marks the connection gone and runs the hooks the handler
// registered (e.g. cancelling the client's call). gone(), OnGone() and
// MarkGone() are thread-safe; everything else belongs to the owning thread.
#ifndef MFGATE_GATEWAY_TRANSPORT_CONNECTION_H_
#define MFGATE_GATEWAY_TRANSPORT_CONNECTION_H_

#include <openssl/ssl.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/transport/request_framer.h"
#include "httplib.h"

namespace mfgate::transport {

// Bytes held, within a limit. Thread-safe.
class ByteBudget {
 public:
  explicit ByteBudget(size_t limit) : limit_(limit) {}
  // Takes `n` bytes; false (and nothing taken) past the limit.
  bool Take(size_t n);
  void Give(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

class Connection {
 public:
  // The outcome of a non-blocking step.
  enum class Io { kDone, kWantRead, kWantWrite, kEof, kError };
  // Where the request arriving stands after ReadRequest.
  enum class Arrival { kNeedMore, kComplete, kRefused, kClosed, kOverBudget };

  // Takes `fd` (non-blocking) and `ssl` (null for plain TCP; set up for
  // `fd` in server mode); requests are framed within `limits`, and their
  // bytes held are charged to `budget` (not owned; outlives the connection).
  Connection(int fd, SSL* ssl, const FramerLimits& limits, ByteBudget* budget);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  // TLS: one step of the server handshake.
  Io Handshake();
  // Appends at most `max` bytes the client sent to buffer(): kDone with
  // `*got` > 0, kWantRead when none are there yet, kEof, kError.
  Io Read(size_t max, size_t* got);
  // Whether TLS holds bytes it decrypted but Read has not returned yet.
  bool pending() const;
  // Waits up to `timeout` for bytes from the client.
  bool WaitReadable(absl::Duration timeout) const;

  // Reads what the client sent (at most about `max` bytes, without
  // blocking) and frames the request; answers "100 Continue" when its head
  // asks for it.
  Arrival ReadRequest(size_t max);
  const RequestFramer& framer() const { return framer_; }
  // Bytes received (and charged) toward the request not yet answered.
  size_t held() const { return held_; }
  // The request was answered: its bytes go, its hooks are dropped, the
  // next request starts with what followed it.
  void ConsumeRequest();
  // Drops every byte held (the connection answers no more requests).
  void ReleaseBuffer();
  // Reads and drops at most about `max` bytes (what a refused client still
  // sends); false once the client closed, or failed.
  bool Discard(size_t max);
  // Sends all of `data`, waiting at most `timeout` for the client to take
  // it; false when it did not (the connection is then unusable).
  bool Send(absl::string_view data, absl::Duration timeout);
  // Sends what the socket takes at once; true when all of `data` went.
  bool SendNow(absl::string_view data);
  // Sends no more (FIN), the reading side stays open.
  void ShutdownWrite();

  // The bytes received and not yet consumed; the current request starts at
  // their beginning.
  const std::string& buffer() const { return buffer_; }
  const std::string& remote_ip() const { return remote_ip_; }
  int remote_port() const { return remote_port_; }
  const std::string& local_ip() const { return local_ip_; }
  int local_port() const { return local_port_; }

  // The client went away (it closed its end).
  bool gone() const { return gone_flag_.load(std::memory_order_acquire); }
  // Runs `hook` once the client is gone: at once if it is already, else on
  // the thread that calls MarkGone. Hooks must not block.
  void OnGone(std::function<void()> hook);
  // Forgets the hooks (the request they were registered for is answered).
  void ClearHooks();
  void MarkGone();

 private:
  // Waits up to `deadline` for the socket to be ready for `events`.
  bool WaitFor(short events, absl::Time deadline) const;

  const int fd_;
  SSL* const ssl_;
  ByteBudget* const budget_;
  std::string buffer_;
  RequestFramer framer_;
  size_t held_ = 0;         // Charged to budget_.
  bool continued_ = false;  // "100 Continue" sent for this request.
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;

  std::atomic<bool> gone_flag_{false};
  absl::Mutex mu_;
  bool gone_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> hooks_ ABSL_GUARDED_BY(mu_);
};

// The stream httplib's Server parses one request from and writes its
// response to: it reads the request's bytes, already received whole, from
// the connection's buffer (then end of stream), and sends the response on
// the connection; with `capture`, it appends the response there instead
// (the reactor sends it without blocking).
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Connection* connection, size_t request_bytes,
                   absl::Duration send_timeout, std::string* capture = nullptr)
      : connection_(connection),
        end_(request_bytes),
        send_timeout_(send_timeout),
        capture_(capture) {}

  Connection* connection() const { return connection_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override;

 private:
  Connection* const connection_;
  const size_t end_;
  const absl::Duration send_timeout_;
  std::string* const capture_;
  size_t read_ = 0;
};

// The connection whose request this thread is answering, or null (a
// handler called outside the listener, as in unit tests).
Connection* CurrentConnection();

// Makes `connection` current on this thread for its life.
class ScopedCurrentConnection {
 public:
  explicit ScopedCurrentConnection(Connection* connection);
  ~ScopedCurrentConnection();

 private:
  Connection* const previous_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_CONNECTION_H_
