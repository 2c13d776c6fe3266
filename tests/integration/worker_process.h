// WorkerProcess: a real mfgate-worker started for a test, and a gRPC stub on
// its unix socket.
//
// The integration tests drive the built worker binary exactly as the gateway
// does: a child process on a short-path unix socket, ready once its gRPC
// health says SERVING. Not thread-safe; one test owns one WorkerProcess.
#ifndef MFGATE_TESTS_INTEGRATION_WORKER_PROCESS_H_
#define MFGATE_TESTS_INTEGRATION_WORKER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/subprocess.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::testing {

class WorkerProcess {
 public:
  // Starts the worker with `extra_flags` and waits up to `timeout` for
  // SERVING.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(
      const std::string& project_dir,
      const std::vector<std::string>& extra_flags, absl::Duration timeout);
  ~WorkerProcess();

  v1::Worker::Stub& stub() { return *stub_; }
  Subprocess& process() { return *process_; }

 private:
  WorkerProcess() = default;

  std::string dir_;
  std::shared_ptr<Subprocess> process_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

// The demo project (MFGATE_DEMO_PROJECT), or "" when unset.
std::string DemoProject();

// A TCP port on loopback that nothing listens on at the moment.
int FreePort();

}  // namespace mfgate::testing

#endif  // MFGATE_TESTS_INTEGRATION_WORKER_PROCESS_H_
