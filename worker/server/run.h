// The worker's life from its listener to shutdown, as a chain of stages:
// bind the listener (unix socket with peer credentials, or TCP with mutual
// TLS) → drop to --user → start the confined engine → serve gRPC and health
// (and /metrics) until SIGTERM or SIGINT. grpc.health.v1 answers readiness
// as service "" (the engine answers calls) and liveness as "liveness" (the
// worker serves).
// Thread-safety: RunWorker is called once, from main.
#ifndef MFGATE_WORKER_SERVER_RUN_H_
#define MFGATE_WORKER_SERVER_RUN_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "worker/engine/engine_factory.h"
#include "worker/server/tls.h"
#include "worker/service/worker_service.h"

namespace mfgate::server {

struct WorkerOptions {
  std::string listen;  // unix:PATH or HOST:PORT.
  // The user to become after binding; required when started as root.
  std::string user;
  TlsFiles tls;  // All empty: no TLS (unix sockets, or loopback TCP).
  // Serve plaintext TCP on an address other than loopback.
  bool allow_insecure_tcp = false;
  // Peers allowed on a unix socket besides the worker's own starting and
  // final users.
  std::vector<uid_t> peer_uids;
  std::string metrics_listen;  // HOST:PORT for /metrics; empty: none.
  // HOST:PORT of a plaintext server of grpc.health.v1 only; empty: none.
  std::string health_listen;
  // How long a TCP client's connection may last before the worker asks it
  // to go away (gracefully); zero: forever.
  absl::Duration max_connection_age = absl::ZeroDuration();
  // When set: drop to the user, print what the confined engine gets when it
  // tries these (check_confinement.py) and exit, serving nothing.
  std::vector<std::string> check_confinement;
  engine::EngineSettings engine;
  service::ServiceOptions service;
};

// Returns the process's exit code (0 after a clean shutdown, 2 when it could
// not start); errors are logged.
int RunWorker(const WorkerOptions& options);

}  // namespace mfgate::server

#endif  // MFGATE_WORKER_SERVER_RUN_H_
