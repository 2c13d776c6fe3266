#include "gateway/transport/http_session.h"

#include <utility>

#include "common/json_text.h"

namespace mfgate::transport {

using json = nlohmann::json;

namespace {

// Appends `item` to a backlog kept within kMaxBacklog entries and
// kMaxBacklogBytes of serialized events (`*bytes` is their running total),
// dropping the oldest entries first but never the one just added.
template <typename T, typename SizeOf>
void AppendBounded(std::deque<T>* backlog, size_t* bytes, T item,
                   SizeOf size_of) {
  *bytes += size_of(item);
  backlog->push_back(std::move(item));
  while (backlog->size() > 1 && (backlog->size() > HttpSession::kMaxBacklog ||
                                 *bytes > HttpSession::kMaxBacklogBytes)) {
    *bytes -= size_of(backlog->front());
    backlog->pop_front();
  }
}

}  // namespace

std::optional<StreamEvent> RequestStream::Next(absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ended_ || !events_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  if (events_.empty()) return std::nullopt;
  StreamEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

bool RequestStream::finished() const {
  absl::MutexLock lock(&mu_);
  return ended_ && events_.empty();
}

void RequestStream::Push(StreamEvent event, bool last) {
  absl::MutexLock lock(&mu_);
  if (ended_) return;
  events_.push_back(std::move(event));
  ended_ = last;
}

HttpSession::HttpSession(std::string id, std::string tenant,
                         mcp::Handlers handlers,
                         const mcp::SessionOptions& options)
    : id_(std::move(id)), tenant_(std::move(tenant)), last_used_(absl::Now()) {
  session_ = std::make_unique<mcp::Session>(
      handlers, options, [this](const mcp::Outgoing& m) { Route(m); });
}

HttpSession::~HttpSession() { Close(); }

void HttpSession::Touch() {
  absl::MutexLock lock(&mu_);
  last_used_ = absl::Now();
}

absl::Time HttpSession::last_used() const {
  absl::MutexLock lock(&mu_);
  return last_used_;
}

bool HttpSession::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

StreamEvent HttpSession::Record(const std::string& stream,
                                std::shared_ptr<const std::string> text) {
  StreamEvent event{next_event_id_++, std::move(text)};
  AppendBounded(&history_, &history_bytes_, Recorded{event, stream},
                [](const Recorded& r) { return r.event.data->size(); });
  return event;
}

void HttpSession::Route(const mcp::Outgoing& message) {
  absl::MutexLock lock(&mu_);
  // A response, or the end of a request (or batch) that gets none.
  const json& request = message.is_response ? message.id : message.related;
  if ((message.is_response || message.text == nullptr) && !request.is_null()) {
    auto waiting = awaited_.find(mcp::IdKey(request));
    if (waiting != awaited_.end() && !waiting->second.done) {
      waiting->second = Awaited{true, message.text};
      return;
    }
  }
  if (!message.related.is_null()) {
    const std::string key = mcp::IdKey(message.related);
    auto stream = request_streams_.find(key);
    if (stream != request_streams_.end()) {
      // No text: the request ended without a response.
      const bool last = message.text == nullptr ||
                        (message.is_response && message.id == message.related);
      stream->second->Push(
          message.text == nullptr ? StreamEvent{} : Record(key, message.text),
          last);
      if (last) request_streams_.erase(stream);
      return;
    }
  }
  if (closed_ || message.text == nullptr) return;
  AppendBounded(&stream_, &stream_bytes_, Record("", message.text),
                [](const StreamEvent& e) { return e.data->size(); });
}

std::optional<std::string> HttpSession::Exchange(const mcp::Message& message,
                                                 absl::Duration timeout) {
  Touch();
  if (message.kind != mcp::Message::Kind::kRequest) {
    session_->Handle(message);
    return std::nullopt;
  }
  return Await(
      message.id, message.id, [&] { session_->Handle(message); }, timeout);
}

std::optional<std::string> HttpSession::ExchangeBatch(
    const std::vector<mcp::Parsed>& batch, absl::Duration timeout) {
  Touch();
  const json id = mcp::BatchId(batch);
  if (id.empty()) {  // Notifications and responses only.
    session_->HandleBatch(batch);
    return std::nullopt;
  }
  return Await(
      id, nullptr, [&] { session_->HandleBatch(batch); }, timeout);
}

std::optional<std::string> HttpSession::Await(const json& id,
                                              const json& error_id,
                                              const std::function<void()>& hand,
                                              absl::Duration timeout) {
  const std::string key = mcp::IdKey(id);
  {
    absl::MutexLock lock(&mu_);
    awaited_[key] = Awaited{};
  }
  try {
    hand();
  } catch (...) {
    absl::MutexLock lock(&mu_);
    awaited_.erase(key);
    throw;
  }
  absl::MutexLock lock(&mu_);
  auto arrived = [this, &key]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto waiting = awaited_.find(key);
    return closed_ || waiting == awaited_.end() || waiting->second.done;
  };
  mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  Awaited got;
  if (auto waiting = awaited_.find(key); waiting != awaited_.end()) {
    got = std::move(waiting->second);
    awaited_.erase(waiting);
  }
  last_used_ = absl::Now();
  if (got.done) {
    if (got.text == nullptr) return std::nullopt;  // Ended unanswered.
    return *got.text;
  }
  return JsonText(
      mcp::MakeError(error_id, mcp::kInternalError,
                     closed_ ? "session closed" : "no response in time"));
}

std::shared_ptr<RequestStream> HttpSession::Start(const mcp::Message& message) {
  Touch();
  auto stream = std::make_shared<RequestStream>();
  {
    absl::MutexLock lock(&mu_);
    request_streams_[mcp::IdKey(message.id)] = stream;
  }
  // The POST waits on `stream` for the response, so a brief and quiet call may
  // run on its thread.
  session_->Handle(message, /*caller_waits=*/true);
  return stream;
}

void HttpSession::Detach(const json& id) {
  absl::MutexLock lock(&mu_);
  request_streams_.erase(mcp::IdKey(id));
}

void HttpSession::Post(const mcp::Message& message) {
  Touch();
  session_->Handle(message);
}

void HttpSession::PostBatch(const std::vector<mcp::Parsed>& batch) {
  Touch();
  session_->HandleBatch(batch);
}

std::optional<StreamEvent> HttpSession::NextStreamEvent(absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !stream_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  if (stream_.empty()) return std::nullopt;
  StreamEvent event = std::move(stream_.front());
  stream_.pop_front();
  stream_bytes_ -= event.data->size();
  last_used_ = absl::Now();
  return event;
}

std::vector<StreamEvent> HttpSession::Replay(uint64_t last_event_id) const {
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
  return missed;
}

bool HttpSession::OpenStandaloneStream() {
  absl::MutexLock lock(&mu_);
  if (standalone_open_) return false;
  standalone_open_ = true;
  return true;
}

void HttpSession::CloseStandaloneStream() {
  absl::MutexLock lock(&mu_);
  standalone_open_ = false;
}

size_t HttpSession::history_bytes() const {
  absl::MutexLock lock(&mu_);
  return history_bytes_;
}

void HttpSession::Drain(absl::Time deadline) {
  session_->Drain(deadline);
  Close();
}

void HttpSession::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
  }
  session_->Close();
  // Running calls were cancelled and get no response: end their streams.
  absl::MutexLock lock(&mu_);
  for (auto& [key, stream] : request_streams_)
    stream->Push(StreamEvent{}, true);
  request_streams_.clear();
}

}  // namespace mfgate::transport
