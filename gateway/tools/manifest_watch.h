// ManifestWatch: follows one worker's WatchManifest stream, so that a
// metadata answer the gateway kept (kept_answers.h) can be served without a
// call while the worker says its engine still serves the manifest the answer
// was made under, and so that the `limit` a query may ask for follows the
// worker's row cap.
//
// A confirmation holds while the stream is open and its last message is
// younger than `freshness`: the worker repeats its state every few seconds,
// so a silent stream is a connection that may be dead. Without a
// confirmation (no stream yet, a worker that does not offer the RPC, an
// engine restarting, another manifest), kept answers are revalidated with a
// call, as before.
//
// Thread-safe. One thread follows the stream, opening it again `retry` after
// it ends; the destructor cancels it and joins the thread.
#ifndef MFGATE_GATEWAY_TOOLS_MANIFEST_WATCH_H_
#define MFGATE_GATEWAY_TOOLS_MANIFEST_WATCH_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::tools {

class ManifestWatch {
 public:
  // Called, on the watch's thread and outside its lock, when the worker
  // says its engine serves a manifest other than the one it served before
  // (not on the first one heard, nor when the same one comes back).
  using OnChange = std::function<void()>;

  explicit ManifestWatch(std::shared_ptr<v1::Worker::StubInterface> worker,
                         absl::Duration freshness = absl::Seconds(15),
                         absl::Duration retry = absl::Seconds(1),
                         OnChange on_change = nullptr);
  ~ManifestWatch();
  ManifestWatch(const ManifestWatch&) = delete;
  ManifestWatch& operator=(const ManifestWatch&) = delete;

  // Whether the worker said, recently enough and on a stream still open,
  // that its engine serves the manifest with hash `sha256`.
  bool Confirms(const std::string& sha256) const;

  // Whether the worker said, recently enough and on a stream still open,
  // that its engine serves a manifest (any): its readiness, as the gateway
  // knows it without asking.
  bool Serving() const;

  // Whether the worker went away: a stream it had answered on ended, and no
  // new one has been answered yet. Calls then fail at once rather than wait
  // for a worker that may not come back (a worker never reached yet, still
  // starting, is waited for).
  bool WorkerLost() const;

  // Why the worker's engine cannot start, as the worker last said on the
  // stream (empty while it starts or serves, or when it said nothing).
  std::string EngineError() const;

  // The most rows a query of the worker may return, as the worker last
  // said on a stream (its --max-rows); 0 until it has said. Kept when the
  // stream ends: a worker's cap changes only when it restarts, and its next
  // stream says so.
  long long MaxRows() const;
  // The rows a query without a `limit` returns from the worker, as it last
  // said (its --default-limit); 0 until it has said. Kept as MaxRows is.
  long long DefaultLimit() const;

 private:
  void Follow();

  const std::shared_ptr<v1::Worker::StubInterface> worker_;
  const absl::Duration freshness_;
  const absl::Duration retry_;
  const OnChange on_change_;
  mutable absl::Mutex mu_;
  std::string manifest_ ABSL_GUARDED_BY(mu_);  // Empty: none confirmed.
  std::string engine_error_ ABSL_GUARDED_BY(mu_);
  // The last manifest served, kept across streams (OnChange).
  std::string last_served_ ABSL_GUARDED_BY(mu_);
  long long max_rows_ ABSL_GUARDED_BY(mu_) = 0;
  long long default_limit_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time heard_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool lost_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The open stream's, for the destructor to cancel.
  std::shared_ptr<grpc::ClientContext> stream_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // Last: starts once the rest is built.
};

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_MANIFEST_WATCH_H_
