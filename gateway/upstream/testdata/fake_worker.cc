// A stand-in mfgate-worker for WorkerPool's tests: serves gRPC health on the
// --listen address it is given. --mode=serve reports SERVING, --mode=exit
// exits at once with status 3, --mode=never-ready serves no health service
// (never SERVING).
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "common/flags.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

ABSL_FLAG(std::string, listen, "", "address");
ABSL_FLAG(std::string, mode, "serve", "serve, exit or never-ready");
ABSL_FLAG(std::string, project_dir, "", "ignored");
ABSL_FLAG(std::string, profiles_dir, "", "ignored");
ABSL_FLAG(std::string, engine, "", "ignored");
ABSL_FLAG(std::string, user, "", "ignored");

int main(int argc, char** argv) {
  std::vector<std::string> args = mfgate::NormalizeFlagDashes(argc, argv);
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "exit") return 3;
  // gRPC's health service answers SERVING from BuildAndStart until told
  // otherwise: a worker that must never look ready has none at all.
  grpc::EnableDefaultHealthCheckService(mode == "serve");
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 4;
  server->Wait();
  return 0;
}
