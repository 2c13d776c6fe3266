// RequestStream: the events of one HTTP request answered as an event
// stream (progress, logs, requests to the client, then its response), queued
// between the session that sends them and the connection that writes them.
// Thread-safe: HttpSession pushes, one connection's writer takes.
#ifndef MFGATE_GATEWAY_TRANSPORT_REQUEST_STREAM_H_
#define MFGATE_GATEWAY_TRANSPORT_REQUEST_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mfgate::transport {

// Events queued for one stream no client reads fast enough: at most this
// many, and this many bytes in all (HttpSession keeps its standalone stream
// and its replay history within the same bounds).
inline constexpr size_t kStreamBacklog = 1000;
inline constexpr size_t kStreamBacklogBytes = 256 << 10;

class HttpSession;

// One server-sent event: its id and its message, serialized once and shared
// by the stream that sends it and the history that may replay it. A null
// `data` ends a request stream whose request was cancelled (no response
// follows).
struct StreamEvent {
  uint64_t id = 0;
  std::shared_ptr<const std::string> data;
};

// The events of one request answered as a stream; ends with its response.
// Its queue holds at most kStreamBacklog events and
// kStreamBacklogBytes: a client that reads slower than its request sends has
// its stream ended with an error (HttpSession::Route), never a queue that
// grows nor a sender that waits.
class RequestStream {
 public:
  // The next event, waiting up to `wait`; nullopt on timeout or once the
  // stream has ended (see finished()).
  std::optional<StreamEvent> Next(absl::Duration wait);
  bool finished() const;
  // The client was sent an event of this stream: it may resume from it.
  void MarkDelivered();
  bool delivered() const;

 private:
  friend class HttpSession;
  void Push(StreamEvent event, bool last);
  // Not ended, and its queue at its bound: one more event would pass it.
  bool Full() const;

  mutable absl::Mutex mu_;
  std::deque<StreamEvent> events_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;    // Of the events queued.
  bool ended_ ABSL_GUARDED_BY(mu_) = false;  // The last event was pushed.
  bool delivered_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_REQUEST_STREAM_H_
