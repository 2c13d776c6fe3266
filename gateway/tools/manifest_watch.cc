#include "gateway/tools/manifest_watch.h"

#include <utility>

namespace mfgate::tools {

ManifestWatch::ManifestWatch(std::shared_ptr<v1::Worker::StubInterface> worker,
                             absl::Duration freshness, absl::Duration retry,
                             OnChange on_change)
    : worker_(std::move(worker)),
      freshness_(freshness),
      retry_(retry),
      on_change_(std::move(on_change)),
      thread_([this] { Follow(); }) {}

ManifestWatch::~ManifestWatch() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->TryCancel();
  }
  thread_.join();
}

bool ManifestWatch::Confirms(const std::string& sha256) const {
  const absl::Time now = absl::Now();
  absl::ReaderMutexLock lock(&mu_);
  return !sha256.empty() && sha256 == manifest_ && now - heard_ < freshness_;
}

std::string ManifestWatch::EngineError() const {
  absl::ReaderMutexLock lock(&mu_);
  return engine_error_;
}

long long ManifestWatch::MaxRows() const {
  absl::ReaderMutexLock lock(&mu_);
  return max_rows_;
}

long long ManifestWatch::DefaultLimit() const {
  absl::ReaderMutexLock lock(&mu_);
  return default_limit_;
}

bool ManifestWatch::Serving() const {
  const absl::Time now = absl::Now();
  absl::ReaderMutexLock lock(&mu_);
  return !manifest_.empty() && now - heard_ < freshness_;
}

bool ManifestWatch::WorkerLost() const {
  absl::ReaderMutexLock lock(&mu_);
  return lost_;
}

void ManifestWatch::Follow() {
  while (true) {
    auto stream = std::make_shared<grpc::ClientContext>();
    // A worker still starting (or restarting) is waited for, not retried.
    stream->set_wait_for_ready(true);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stream_ = stream;
    }
    auto reader =
        worker_->WatchManifest(stream.get(), v1::WatchManifestRequest());
    v1::ManifestState state;
    bool answered = false;
    while (reader->Read(&state)) {
      const absl::Time now = absl::Now();
      bool changed = false;
      {
        absl::MutexLock lock(&mu_);
        if (const std::string& served = state.manifest_sha256();
            !served.empty() && served != last_served_) {
          changed = !last_served_.empty();
          last_served_ = served;
        }
        manifest_ = state.manifest_sha256();
        engine_error_ = state.engine_error();
        // A worker that does not say (0) keeps what was said before.
        if (state.max_rows() > 0) max_rows_ = state.max_rows();
        if (state.default_limit() > 0) default_limit_ = state.default_limit();
        heard_ = now;
        lost_ = false;
        answered = true;
      }
      // Outside the lock: the callback may send.
      if (changed && on_change_ != nullptr) on_change_();
    }
    {
      absl::MutexLock lock(&mu_);
      manifest_.clear();
      engine_error_.clear();
      stream_.reset();
      if (answered && !stopping_) lost_ = true;
    }
    const grpc::Status status = reader->Finish();
    // A worker without the RPC (an older one) is asked again rarely; every
    // kept answer is revalidated with it meanwhile.
    const absl::Duration wait =
        status.error_code() == grpc::StatusCode::UNIMPLEMENTED ? retry_ * 60
                                                               : retry_;
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait);
  }
}

}  // namespace mfgate::tools
