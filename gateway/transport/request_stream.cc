#include "gateway/transport/request_stream.h"

#include <utility>

namespace mfgate::transport {

std::optional<StreamEvent> RequestStream::Next(absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ended_ || !events_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  if (events_.empty()) return std::nullopt;
  StreamEvent event = std::move(events_.front());
  events_.pop_front();
  if (event.data != nullptr) bytes_ -= event.data->size();
  return event;
}

bool RequestStream::finished() const {
  absl::MutexLock lock(&mu_);
  return ended_ && events_.empty();
}

void RequestStream::MarkDelivered() {
  absl::MutexLock lock(&mu_);
  delivered_ = true;
}

bool RequestStream::delivered() const {
  absl::MutexLock lock(&mu_);
  return delivered_;
}

void RequestStream::Push(StreamEvent event, bool last) {
  absl::MutexLock lock(&mu_);
  if (ended_) return;
  if (event.data != nullptr) bytes_ += event.data->size();
  events_.push_back(std::move(event));
  ended_ = last;
}

bool RequestStream::Full() const {
  absl::MutexLock lock(&mu_);
  return !ended_ &&
         (events_.size() >= kStreamBacklog || bytes_ >= kStreamBacklogBytes);
}

}  // namespace mfgate::transport
