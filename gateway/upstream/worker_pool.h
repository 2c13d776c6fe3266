// WorkerPool: one gRPC channel per tenant, to a running worker or to one the
// gateway spawns (local dev mode).
//
// A spawned worker runs as a child on a unix socket in a private (0700)
// directory; it is tied to the gateway's life (PR_SET_PDEATHSIG, so no orphan
// survives even a SIGKILL of the gateway) and stopped by StopAll. Spawning
// does not wait for the worker: calls wait for it within their own deadlines
// (gRPC wait-for-ready), so `initialize` is answered at once while MetricFlow
// loads. WaitReady blocks until a tenant's worker reports SERVING.
//
// Create must run on a thread that lives as long as the workers (the main
// thread): the kernel's parent-death signal follows the spawning thread.
// Thread-safe after Create.
#ifndef MFGATE_GATEWAY_UPSTREAM_WORKER_POOL_H_
#define MFGATE_GATEWAY_UPSTREAM_WORKER_POOL_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gateway/config/config.h"
#include "grpcpp/channel.h"
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
  // spawned worker exited, Cancelled when StopAll ends the wait,
  // DeadlineExceeded at `deadline`.
  absl::Status WaitReady(const std::string& tenant, absl::Time deadline);

  // Stops spawned workers (SIGTERM, then SIGKILL) and removes their sockets.
  void StopAll();

  // Where the worker binary is: MFGATE_WORKER_BINARY or the configuration,
  // else beside the gateway, else in the Bazel output layout.
  static absl::StatusOr<std::string> FindWorkerBinary(
      const std::string& configured);

 private:
  struct Worker {
    std::string address;
    std::string private_dir;  // Spawned workers only.
    // Shared with WaitReady, which may still poll it while StopAll runs.
    std::shared_ptr<Subprocess> process;
    std::shared_ptr<grpc::Channel> channel;
    std::shared_ptr<v1::Worker::StubInterface> stub;
  };

  WorkerPool() = default;
  absl::Status Spawn(const std::string& binary,
                     const config::TenantConfig& tenant, Worker* worker);

  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  std::map<std::string, Worker> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::upstream

#endif  // MFGATE_GATEWAY_UPSTREAM_WORKER_POOL_H_
