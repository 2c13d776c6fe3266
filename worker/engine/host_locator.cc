#include "worker/engine/host_locator.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/paths.h"

namespace mfgate::engine {
namespace {

bool IsFile(const std::string& path) { return access(path.c_str(), R_OK) == 0; }
bool IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

// The Bazel runfiles root of this binary, or "".
std::string RunfilesRoot() {
  std::string exe = RealPath("/proc/self/exe");
  for (const std::string& candidate :
       {exe + ".runfiles/mfgate",
        ExecutableDir() + "/mfgate-worker.runfiles/mfgate"}) {
    if (IsFile(candidate + "/worker/engine/host/mf_host.py")) return candidate;
  }
  return "";
}

}  // namespace

absl::StatusOr<EngineHost> LocateEngineHost(const EngineHost& overrides) {
  EngineHost host = overrides;
  const std::string runfiles = RunfilesRoot();
  std::vector<std::string> tried;

  if (host.script.empty()) {
    std::string candidate = runfiles + "/worker/engine/host/mf_host.py";
    if (!runfiles.empty())
      host.script = candidate;
    else
      tried.push_back("the runfiles beside " + ExecutableDir());
  }
  if (host.script.empty() || !IsFile(host.script)) {
    return absl::NotFoundError(absl::StrCat(
        "engine host script not found (set --engine-host); tried: ",
        host.script.empty() ? absl::StrJoin(tried, ", ") : host.script));
  }
  if (host.proto_path.empty() && !runfiles.empty()) {
    host.proto_path = runfiles + "/proto";
  }
  if (!IsFile(host.proto_path + "/mfgate/v1/engine_pb2.py")) {
    return absl::NotFoundError(absl::StrCat(
        "generated protobuf modules not found in '", host.proto_path,
        "' (set --proto-path to the directory holding "
        "mfgate/v1/engine_pb2.py)"));
  }
  if (host.sandbox.empty()) {
    // Installed: beside the worker; built: in the runfiles.
    for (const std::string& candidate :
         {ExecutableDir() + "/mfgate-sandbox",
          runfiles + "/worker/sandbox/mfgate-sandbox"}) {
      if (IsExecutable(candidate)) {
        host.sandbox = candidate;
        break;
      }
    }
  }
  if (host.sandbox.empty() || !IsExecutable(host.sandbox)) {
    return absl::NotFoundError(
        absl::StrCat("mfgate-sandbox not found (set --sandbox); looked beside ",
                     ExecutableDir(),
                     host.sandbox.empty() ? "" : " and at " + host.sandbox));
  }
  if (host.python.empty()) {
    // Walk up from the script's real location to a repository's .venv.
    tried.clear();
    for (std::string dir = Dirname(RealPath(host.script)); dir != "/";
         dir = Dirname(dir)) {
      std::string candidate = dir + "/.venv/bin/python";
      tried.push_back(candidate);
      if (IsExecutable(candidate)) {
        host.python = candidate;
        break;
      }
    }
    if (host.python.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "no Python environment with MetricFlow found (set --python or "
          "MFGATE_PYTHON); tried: ",
          absl::StrJoin(tried, ", ")));
    }
  }
  if (!IsExecutable(host.python)) {
    return absl::NotFoundError(absl::StrCat("Python interpreter '", host.python,
                                            "' is not executable"));
  }
  return host;
}

}  // namespace mfgate::engine
