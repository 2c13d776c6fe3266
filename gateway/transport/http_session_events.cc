// HttpSession's events: their ids and replay history, and the standalone
// stream's queue (http_session.h says what each promises).
#include <utility>

#include "gateway/transport/http_session.h"

namespace mfgate::transport {
namespace {

// Appends `item` to a backlog kept within kMaxBacklog entries and
// kMaxBacklogBytes of serialized events (`*bytes` is their running total),
// dropping the oldest entries first but never the one just added; whether
// it dropped any.
template <typename T, typename SizeOf>
bool AppendBounded(std::deque<T>* backlog, size_t* bytes, T item,
                   SizeOf size_of) {
  *bytes += size_of(item);
  backlog->push_back(std::move(item));
  bool dropped = false;
  while (backlog->size() > 1 && (backlog->size() > HttpSession::kMaxBacklog ||
                                 *bytes > HttpSession::kMaxBacklogBytes)) {
    *bytes -= size_of(backlog->front());
    backlog->pop_front();
    dropped = true;
  }
  return dropped;
}

}  // namespace

StreamEvent HttpSession::Record(const std::string& stream,
                                std::shared_ptr<const std::string> text) {
  StreamEvent event{next_event_id_++, std::move(text)};
  AppendBounded(&history_, &history_bytes_, Recorded{event, stream},
                [](const Recorded& r) { return r.event.data->size(); });
  return event;
}

void HttpSession::QueueStandalone(StreamEvent event) {
  const bool dropped =
      AppendBounded(&stream_, &stream_bytes_, std::move(event),
                    [](const StreamEvent& e) { return e.data->size(); });
  if (dropped && standalone_open_) {
    // Its client reads too slowly. Its stream ends rather than go on with a
    // gap: the client, resuming from the last event it got, is sent the
    // rest from the history, or told they are gone (Replay).
    standalone_overrun_ = true;
    stream_.clear();
    stream_bytes_ = 0;
  }
}

std::optional<StreamEvent> HttpSession::NextStreamEvent(
    absl::Duration wait, const std::function<bool()>& stop) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, &stop]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || standalone_overrun_ || !stream_.empty() ||
           (stop != nullptr && stop());
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  if (stream_.empty() || standalone_overrun_) return std::nullopt;
  StreamEvent event = std::move(stream_.front());
  stream_.pop_front();
  stream_bytes_ -= event.data->size();
  last_used_ = absl::Now();
  return event;
}

std::optional<std::vector<StreamEvent>> HttpSession::Replay(
    uint64_t last_event_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<StreamEvent> missed;
  const std::string* stream = nullptr;
  for (const Recorded& recorded : history_) {
    if (recorded.event.id == last_event_id) stream = &recorded.stream;
    if (stream != nullptr && recorded.event.id > last_event_id &&
        recorded.stream == *stream) {
      missed.push_back(recorded.event);
    }
  }
  if (stream == nullptr) return std::nullopt;
  return missed;
}

void HttpSession::WakeStreams() {
  // Releasing mu_ has its waiters' conditions evaluated again.
  absl::MutexLock lock(&mu_);
}

bool HttpSession::OpenStandaloneStream() {
  absl::MutexLock lock(&mu_);
  if (standalone_open_) return false;
  standalone_open_ = true;
  standalone_overrun_ = false;
  // A client is back to take what detached calls send.
  for (auto& [key, pending] : pending_) {
    pending.detached = absl::InfiniteFuture();
  }
  return true;
}

void HttpSession::CloseStandaloneStream() {
  absl::MutexLock lock(&mu_);
  standalone_open_ = false;
}

bool HttpSession::standalone_overrun() const {
  absl::MutexLock lock(&mu_);
  return standalone_overrun_;
}

size_t HttpSession::history_bytes() const {
  absl::MutexLock lock(&mu_);
  return history_bytes_;
}

}  // namespace mfgate::transport
