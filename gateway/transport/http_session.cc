#include "gateway/transport/http_session.h"

#include <openssl/rand.h>

#include <utility>

#include "common/json_text.h"

namespace mfgate::transport {

using json = nlohmann::json;

namespace {

// The answer to a request whose id is that of a request still pending.
std::string IdInUse(const json& id) {
  return JsonText(
      mcp::MakeError(id, mcp::kInvalidRequest, mcp::kIdInUseMessage));
}

// The error that ends the stream of request `id` its client did not read.
std::string StreamOverrun(const json& id) {
  return JsonText(mcp::MakeError(
      id, mcp::kServerBusy,
      "the client read this stream too slowly: " +
          std::to_string(HttpSession::kMaxBacklog) + " events or " +
          std::to_string(HttpSession::kMaxBacklogBytes) +
          " bytes were waiting (the limit); the stream ended"));
}

}  // namespace

HttpSession::HttpSession(std::string id, std::string tenant,
                         mcp::Handlers handlers,
                         const mcp::SessionOptions& options)
    : id_(std::move(id)), tenant_(std::move(tenant)), last_used_(absl::Now()) {
  // Below 2^52: exact as a JavaScript number, and far from overflowing.
  unsigned char bytes[8] = {};
  RAND_bytes(bytes, sizeof(bytes));
  uint64_t base = 0;
  for (unsigned char b : bytes) base = base << 8 | b;
  next_event_id_ = (base >> 12) + 1;
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

void HttpSession::Route(const mcp::Outgoing& message) {
  absl::MutexLock lock(&mu_);
  // A response, or no text: request `related` ended without one.
  if (message.is_response || message.text == nullptr) {
    auto pending = pending_.find(
        mcp::IdKey(message.is_response ? message.id : message.related));
    if (pending != pending_.end()) {
      if (pending->second.awaited) {  // Exchange takes it.
        pending->second.answered = true;
        pending->second.response = message.text;
        return;
      }
      pending_.erase(pending);
    }
  }
  if (!message.related.is_null()) {
    const std::string key = mcp::IdKey(message.related);
    auto stream = request_streams_.find(key);
    if (stream != request_streams_.end()) {
      const bool last = message.text == nullptr ||
                        (message.is_response && message.id == message.related);
      if (!last && stream->second->Full()) {
        // Its client reads too slowly: the stream ends here, with an error
        // that says why (later messages of the request are dropped with
        // it). Its writer then ends the request (StreamEnded): a call is
        // cancelled, since its result can reach no one; a listen is closed,
        // and its client may listen again.
        stream->second->Push(Record(key, std::make_shared<const std::string>(
                                             StreamOverrun(message.related))),
                             /*last=*/true);
        auto pending = pending_.find(key);
        if (pending != pending_.end()) pending->second.cancel_requested = true;
        return;
      }
      stream->second->Push(
          message.text == nullptr ? StreamEvent{} : Record(key, message.text),
          last);
      if (last) request_streams_.erase(stream);
      return;
    }
  }
  if (closed_ || message.text == nullptr) return;
  QueueStandalone(Record("", message.text));
}

bool HttpSession::Begin(const std::string& key, const json& id, bool awaited) {
  auto [pending, added] = pending_.try_emplace(key);
  if (!added) return false;
  pending->second.id = id;
  pending->second.awaited = awaited;
  return true;
}

void HttpSession::CancelCall(const json& id) {
  for (const json& request : id.is_array() ? id : json::array({id})) {
    if (request.is_null()) continue;  // An invalid item of a batch.
    mcp::Message cancel;
    cancel.kind = mcp::Message::Kind::kNotification;
    cancel.method = "notifications/cancelled";
    cancel.params = {{"requestId", request},
                     {"reason", "the client went away"}};
    session_->Handle(cancel);
  }
}

void HttpSession::CancelIfRequested(const std::string& key) {
  json id;
  {
    absl::MutexLock lock(&mu_);
    auto pending = pending_.find(key);
    if (pending == pending_.end() || !pending->second.cancel_requested) return;
    id = pending->second.id;
  }
  CancelCall(id);
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
    if (!Begin(key, id, /*awaited=*/true)) return IdInUse(error_id);
  }
  try {
    hand();
  } catch (...) {
    absl::MutexLock lock(&mu_);
    pending_.erase(key);
    throw;
  }
  CancelIfRequested(key);
  absl::MutexLock lock(&mu_);
  auto arrived = [this, &key]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || pending_.at(key).answered;
  };
  mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  auto pending = pending_.find(key);
  const bool answered = pending->second.answered;
  std::shared_ptr<const std::string> response =
      std::move(pending->second.response);
  pending_.erase(pending);
  last_used_ = absl::Now();
  if (answered) {
    if (response == nullptr) return std::nullopt;  // Ended unanswered.
    return *response;
  }
  return JsonText(
      mcp::MakeError(error_id, mcp::kInternalError,
                     closed_ ? "session closed" : "no response in time"));
}

std::shared_ptr<RequestStream> HttpSession::Start(const mcp::Message& message) {
  Touch();
  auto stream = std::make_shared<RequestStream>();
  const std::string key = mcp::IdKey(message.id);
  {
    absl::MutexLock lock(&mu_);
    if (!Begin(key, message.id, /*awaited=*/false)) {
      stream->Push(StreamEvent{0, std::make_shared<const std::string>(
                                      IdInUse(message.id))},
                   /*last=*/true);
      return stream;
    }
    request_streams_[key] = stream;
  }
  // The POST waits on `stream` for the response, so a brief and quiet call may
  // run on its thread.
  session_->Handle(message, /*caller_waits=*/true);
  CancelIfRequested(key);
  return stream;
}

void HttpSession::ClientGone(const json& id) {
  const std::string key = mcp::IdKey(id);
  {
    absl::MutexLock lock(&mu_);
    auto pending = pending_.find(key);
    if (pending == pending_.end()) return;  // Answered already.
    auto stream = request_streams_.find(key);
    // A session's client holds some of the stream's events and may come
    // back for the rest, which go to the standalone stream from now on; a
    // stateless request (no session id) has nowhere to come back to.
    if (stream != request_streams_.end() && stream->second->delivered() &&
        !id_.empty() && !pending->second.cancel_requested) {
      // The stream's writer has no client left: it ends now, not at its
      // next keep-alive write (a drain waits for it).
      stream->second->Push(StreamEvent{}, true);
      request_streams_.erase(stream);
      if (!standalone_open_) pending->second.detached = absl::Now();
      return;
    }
    pending->second.cancel_requested = true;
  }
  CancelCall(id);
}

void HttpSession::StreamEnded(const json& id) {
  CancelIfRequested(mcp::IdKey(id));
}

int HttpSession::ExpireDetached(absl::Time now) {
  std::vector<json> abandoned;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [key, pending] : pending_) {
      if (now - pending.detached >= kResumeGrace) {
        pending.detached = absl::InfiniteFuture();
        pending.cancel_requested = true;
        abandoned.push_back(pending.id);
      }
    }
  }
  for (const json& id : abandoned) CancelCall(id);
  return static_cast<int>(abandoned.size());
}

void HttpSession::Post(const mcp::Message& message) {
  Touch();
  if (message.kind != mcp::Message::Kind::kRequest || Admit(message.id)) {
    session_->Handle(message);
  }
}

void HttpSession::PostBatch(const std::vector<mcp::Parsed>& batch) {
  Touch();
  const json id = mcp::BatchId(batch);
  if (id.empty() || Admit(id)) session_->HandleBatch(batch);
}

bool HttpSession::Admit(const json& id) {
  absl::MutexLock lock(&mu_);
  if (Begin(mcp::IdKey(id), id, /*awaited=*/false)) return true;
  // Answered on the stream the answer would have taken.
  QueueStandalone(Record("", std::make_shared<const std::string>(
                                 IdInUse(id.is_array() ? json() : id))));
  return false;
}

bool HttpSession::idle() const {
  absl::MutexLock lock(&mu_);
  return pending_.empty() && !standalone_open_;
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
