// WorkerPool: one gRPC channel per tenant, to a running worker or to one the
// gateway spawns (local dev mode).
//
// A spawned worker runs as a child on a unix socket in a private (0700)
// directory, which the pool removes when it stops. A WorkerSupervisor
// (worker_supervisor.h) owns each spawned worker: it reaps it when it exits
// and starts it again with a bounded backoff; while it is down, Down() says
// why and the tenant's calls fail at once with that reason (AwaitWorker).
// Workers are tied to the gateway's life (PR_SET_PDEATHSIG on the
// supervisor's thread, so no orphan survives even a SIGKILL of the gateway)
// and stopped by StopAll. Spawning does not wait for the worker: calls wait
// for it within their own deadlines, so `initialize` is answered at once
// while MetricFlow loads. WaitReady blocks until a tenant's worker reports
// SERVING.
//
// Thread-safe.
#ifndef MFGATE_GATEWAY_UPSTREAM_WORKER_POOL_H_
#define MFGATE_GATEWAY_UPSTREAM_WORKER_POOL_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/temp_dir.h"
#include "gateway/config/config.h"
#include "gateway/upstream/worker_supervisor.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::upstream {

class WorkerPool {
 public:
  // Connects to or spawns every tenant's worker. `argv0` helps find the
  // worker binary when the configuration does not name one.
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(
      const config::GatewayConfig& config, const std::string& argv0);
  ~WorkerPool();

  // The stub for `tenant`'s worker; NotFound for an unknown tenant.
  absl::StatusOr<std::shared_ptr<v1::Worker::StubInterface>> Stub(
      const std::string& tenant) const;

  // Waits until `tenant`'s worker reports SERVING; Unavailable when a
  // spawned worker is down, Cancelled when StopAll ends the wait,
  // DeadlineExceeded at `deadline`.
  absl::Status WaitReady(const std::string& tenant, absl::Time deadline);

  // Why `tenant`'s spawned worker is down (it exited and waits for its next
  // start); nullopt while it runs, and for workers the pool does not spawn.
  std::optional<std::string> Down(const std::string& tenant) const;

  // Waits until `tenant`'s worker can take a call: OK once its channel is
  // connected (at once for workers the pool does not spawn, whose calls
  // wait on their own), Unavailable with Down()'s reason as soon as a
  // spawned worker is down, DeadlineExceeded at `deadline`.
  absl::Status AwaitWorker(const std::string& tenant, absl::Time deadline);

  // What /ready says of a tenant's worker.
  struct Health {
    bool serving = false;
    std::string state;
    std::string cause;
  };
  // What the pool knows of `tenant`'s worker without asking it: "down"
  // (a spawned worker exited and waits for its next start) or
  // "unreachable" (its channel fails to connect), with the cause; an empty
  // state when neither (the worker's own word is on its manifest stream).
  Health KnownHealth(const std::string& tenant) const;

  // Stops spawned workers (SIGTERM, then SIGKILL) and removes their sockets.
  void StopAll();

  // Connects to or spawns the worker of `tenant` (a reload's new tenant, or
  // one whose worker changed: its old worker is removed first).
  absl::Status Add(const config::TenantConfig& tenant);
  // Stops `tenant`'s spawned worker and forgets its channel (calls already
  // holding its stub fail); a no-op for an unknown tenant.
  void Remove(const std::string& tenant);

  // Where the worker binary is: MFGATE_WORKER_BINARY or the configuration,
  // else beside the gateway, else in the Bazel output layout.
  static absl::StatusOr<std::string> FindWorkerBinary(
      const std::string& configured);

 private:
  struct Worker {
    std::string address;
    // Spawned workers only: the socket's directory, and the supervisor
    // (shared with callers of Down, which may still hold it during StopAll).
    std::unique_ptr<TempDir> private_dir;
    std::shared_ptr<WorkerSupervisor> supervisor;
    std::shared_ptr<grpc::Channel> channel;
    std::shared_ptr<v1::Worker::StubInterface> stub;
  };

  WorkerPool() = default;
  // Stops a removed worker's process, outside the lock.
  static void Release(Worker worker);
  absl::Status Spawn(const std::string& binary,
                     const config::TenantConfig& tenant, Worker* worker);
  // The tenant's supervisor and channel (null supervisor: not spawned).
  absl::Status Find(const std::string& tenant,
                    std::shared_ptr<WorkerSupervisor>* supervisor,
                    std::shared_ptr<grpc::Channel>* channel) const;

  // Set by Create, then read only.
  std::string configured_binary_;
  std::shared_ptr<grpc::ChannelCredentials> tls_;

  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  std::map<std::string, Worker> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::upstream

#endif  // MFGATE_GATEWAY_UPSTREAM_WORKER_POOL_H_
