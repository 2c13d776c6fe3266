#include "worker/service/manifest_broadcast.h"

namespace mfgate::service {

// One WatchManifest call. At most one write is in flight; a state published
// meanwhile replaces any other still waiting. The call ends (Finish) once,
// after the write in flight, when the broadcast closes, the caller cancels
// or a write fails. StartWrite and Finish are called under the watcher's lock
// (and Publish's): gRPC never runs OnWriteDone or OnDone inside them, but on
// its own threads, so the reactions cannot deadlock on these locks.
class ManifestBroadcast::Watcher final
    : public grpc::ServerWriteReactor<v1::ManifestState> {
 public:
  explicit Watcher(ManifestBroadcast* owner) : owner_(owner) {}

  void Send(const v1::ManifestState& state) {
    absl::MutexLock lock(&mu_);
    pending_ = state;
    has_pending_ = true;
    StartNextWrite();
  }

  void End(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    if (ending_) return;
    ending_ = true;
    end_status_ = status;
    if (!writing_) Finish(end_status_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (ending_) {
      Finish(end_status_);  // End came while the write was in flight.
      return;
    }
    if (!ok) {  // The caller went away.
      ending_ = true;
      Finish(grpc::Status::CANCELLED);
      return;
    }
    StartNextWrite();
  }

  void OnCancel() override { End(grpc::Status::CANCELLED); }

  void OnDone() override {
    owner_->Remove(this);
    delete this;
  }

 private:
  void StartNextWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || ending_ || !has_pending_) return;
    out_ = pending_;
    has_pending_ = false;
    writing_ = true;
    StartWrite(&out_);
  }

  ManifestBroadcast* const owner_;
  absl::Mutex mu_;
  v1::ManifestState out_ ABSL_GUARDED_BY(mu_);  // Read by gRPC until written.
  v1::ManifestState pending_ ABSL_GUARDED_BY(mu_);
  bool has_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Answers a watch that came after Close.
class Refusal final : public grpc::ServerWriteReactor<v1::ManifestState> {
 public:
  Refusal() {
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the worker is shutting down"));
  }
  void OnDone() override { delete this; }
};

}  // namespace

void ManifestBroadcast::Publish(const std::string& sha256,
                                const std::string& engine_error) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  const bool same = sha256 == current_.manifest_sha256() &&
                    engine_error == current_.engine_error();
  if (closed_ || (same && now - last_sent_ < heartbeat_)) return;
  current_.set_manifest_sha256(sha256);
  current_.set_engine_error(engine_error);
  last_sent_ = now;
  for (Watcher* watcher : watchers_) watcher->Send(current_);
}

grpc::ServerWriteReactor<v1::ManifestState>* ManifestBroadcast::Watch() {
  absl::MutexLock lock(&mu_);
  if (closed_) return new Refusal();
  auto* watcher = new Watcher(this);
  watchers_.insert(watcher);
  watcher->Send(current_);
  return watcher;
}

void ManifestBroadcast::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (Watcher* watcher : watchers_) watcher->End(grpc::Status::OK);
}

size_t ManifestBroadcast::watchers() const {
  absl::MutexLock lock(&mu_);
  return watchers_.size();
}

void ManifestBroadcast::Remove(Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(watcher);
}

}  // namespace mfgate::service
