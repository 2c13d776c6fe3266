// Finds what the persistent engine needs to start: a Python interpreter with
// MetricFlow installed, the host script, and the generated protobuf modules.
//
// Explicit settings win; otherwise the worker looks where `make build` puts
// things, so a freshly built worker runs with no flags: the host script and
// modules in the Bazel runfiles beside the binary, and the interpreter of the
// repository's `.venv`, found by walking up from the host script's real path.
// Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_HOST_LOCATOR_H_
#define MFGATE_WORKER_ENGINE_HOST_LOCATOR_H_

#include <string>

#include "absl/status/statusor.h"

namespace mfgate::engine {

struct EngineHost {
  std::string python;      // Interpreter.
  std::string script;      // worker/engine/host/mf_host.py
  std::string proto_path;  // Directory holding mfgate/v1/*_pb2.py
  std::string sandbox;     // The mfgate-sandbox launcher.
};

// Any empty field of `overrides` is located. Errors name every place tried.
absl::StatusOr<EngineHost> LocateEngineHost(const EngineHost& overrides);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_HOST_LOCATOR_H_
