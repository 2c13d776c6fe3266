// CliEngine: runs the `mf` executable once per request.
//
// The compatibility and diagnosis path (--engine=cli): every request pays
// MetricFlow's full start-up, as mcp-metricflow does, but nothing stays
// loaded. The argv is built as a vector and started with execve — never
// through a shell — so no argument can be interpreted as shell syntax.
// Thread-safe: requests run in parallel, each in its own process.
#ifndef MFGATE_WORKER_ENGINE_CLI_ENGINE_H_
#define MFGATE_WORKER_ENGINE_CLI_ENGINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/engine.h"

namespace mfgate::engine {

struct CliEngineOptions {
  std::string mf_path;       // The mf executable.
  std::string project_dir;   // Working directory and DBT_PROJECT_DIR.
  std::string profiles_dir;  // DBT_PROFILES_DIR.
  std::string target;        // Unused by mf (it has no --target); logged only.
  std::string tmp_dir;       // Where --csv files and mf's logs go (private).
  std::vector<std::string> env;  // The child's environment.
  // Program and arguments that start mf confined (mfgate-sandbox ... --);
  // empty runs mf directly.
  std::vector<std::string> launcher;
  size_t max_output_bytes = 64u << 20;
};

class CliEngine final : public Engine {
 public:
  explicit CliEngine(CliEngineOptions options);

  absl::StatusOr<v1::EngineResponse> CallFor(
      const std::string& caller, const v1::EngineRequest& request,
      absl::Time deadline, const std::function<bool()>& cancelled) override;
  bool Ready() const override { return true; }
  std::string Describe() const override;

  // The mf arguments (after the program name) for `request`; `csv_path` is
  // where a query writes its rows. Exposed for tests.
  static std::vector<std::string> Arguments(const v1::EngineRequest& request,
                                            const std::string& csv_path);

 private:
  // Runs mf with `args`; returns its combined output and exit code.
  absl::StatusOr<std::pair<std::string, int>> Run(
      const std::vector<std::string>& args, absl::Time deadline,
      const std::function<bool()>& cancelled);

  const CliEngineOptions options_;
};

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_CLI_ENGINE_H_
