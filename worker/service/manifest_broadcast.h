// ManifestBroadcast: serves WatchManifest, telling every watcher the hash of
// the semantic manifest the worker's engine serves (proto/mfgate/v1/
// worker.proto), and the worker's row cap: at once when it starts watching,
// on every change, and again each `heartbeat` while nothing changes, so that
// a watcher can tell a quiet stream from a dead one.
//
// Whoever follows the engine (the worker's health loop) calls Publish often;
// it costs a lock and a comparison when nothing is due. A watcher that is
// still sending gets only the newest state once its write completes (states
// are not queued: only the last one matters).
//
// Thread-safe. Watchers are owned by gRPC and remove themselves when their
// call ends; Close ends every open watch (before the server shuts down, so
// that its shutdown does not wait on them) and refuses new ones.
#ifndef MFGATE_WORKER_SERVICE_MANIFEST_BROADCAST_H_
#define MFGATE_WORKER_SERVICE_MANIFEST_BROADCAST_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_callback.h"
#include "mfgate/v1/worker.pb.h"

namespace mfgate::service {

class ManifestBroadcast {
 public:
  // Every state carries `max_rows`, the worker's row cap, and
  // `default_limit`, the rows of a query without a limit (0: none said).
  explicit ManifestBroadcast(absl::Duration heartbeat = absl::Seconds(5),
                             int64_t max_rows = 0, int64_t default_limit = 0)
      : heartbeat_(heartbeat) {
    current_.set_max_rows(max_rows);
    current_.set_default_limit(default_limit);
  }
  ~ManifestBroadcast() { Close(); }

  // Sets the engine's manifest hash (empty while it is not serving) and why
  // it cannot start (empty unless its starts fail). Every watcher is sent
  // both when they changed, or when the last send is `heartbeat` old.
  void Publish(const std::string& sha256, const std::string& engine_error = "");

  // The reactor of one WatchManifest call.
  grpc::ServerWriteReactor<v1::ManifestState>* Watch();

  // Ends every watch with OK and answers later ones UNAVAILABLE.
  void Close();

  // Open watches.
  size_t watchers() const;

  // Callers' reactors, as the broadcast sees them (defined in the .cc).
  class Watcher;

 private:
  void Remove(Watcher* watcher);

  const absl::Duration heartbeat_;
  mutable absl::Mutex mu_;
  v1::ManifestState current_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_MANIFEST_BROADCAST_H_
