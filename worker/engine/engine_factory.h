// Builds the worker's engine from its settings, validated once at start-up.
//
// Checks the dbt project and profiles directories, prepares a private (0700)
// scratch directory, locates the engine host (host_locator.h) and returns a
// running PersistentEngine or a CliEngine. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_ENGINE_FACTORY_H_
#define MFGATE_WORKER_ENGINE_ENGINE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/engine/engine.h"
#include "worker/engine/host_locator.h"

namespace mfgate::engine {

struct EngineSettings {
  std::string project_dir;   // Must contain dbt_project.yml.
  std::string profiles_dir;  // Must contain profiles.yml.
  std::string target;        // dbt target; empty for the profile's default.
  std::string kind = "persistent";  // "persistent" or "cli".
  std::string mf_path;  // cli: the mf executable; default beside python.
  std::string tmp_dir;  // Scratch; default a new private temp directory.
  EngineHost host;      // Empty fields are located.
  absl::Duration startup_timeout = absl::Minutes(5);
};

absl::StatusOr<std::unique_ptr<Engine>> CreateEngine(EngineSettings settings);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_ENGINE_FACTORY_H_
