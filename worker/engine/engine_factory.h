// Builds the worker's engine from its settings.
//
// CreateEngine returns at once a StartingEngine (starting_engine.h) that, on
// a thread of its own, checks the dbt project and profiles directories,
// prepares a private (0700) scratch directory (removed with the engine),
// locates the engine host (host_locator.h), prepares the engine's
// confinement (confinement.h) and starts an EnginePool of persistent
// engines or a CliEngine, both through mfgate-sandbox; a step that fails is
// tried again with a backoff while calls are answered with its cause.
// Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_ENGINE_FACTORY_H_
#define MFGATE_WORKER_ENGINE_ENGINE_FACTORY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/engine/engine.h"
#include "worker/engine/host_locator.h"
#include "worker/sandbox/policy.h"

namespace mfgate::engine {

struct EngineSettings {
  std::string project_dir;   // Must contain dbt_project.yml.
  std::string profiles_dir;  // Must contain profiles.yml.
  std::string target;        // dbt target; empty for the profile's default.
  std::string kind = "persistent";  // "persistent" or "cli".
  std::string mf_path;  // cli: the mf executable; default beside python.
  std::string tmp_dir;  // Scratch; default a new private temp directory.
  // Persistent engines (engine_pool.h): how many (0: the warehouse's
  // default), calls that may wait for one, and how long they may be idle
  // before they stop (zero: never).
  int engines = 0;
  int engine_queue = 64;
  absl::Duration engine_idle_stop = absl::Minutes(15);
  // Start no engine before a call needs one (engine_pool.h).
  bool engine_start_on_demand = false;
  EngineHost host;  // Empty fields are located.
  absl::Duration startup_timeout = absl::Minutes(5);
  // Backoff of a preparation or engine start that failed (a broken project
  // or profile): from min, doubling to max.
  absl::Duration min_retry = absl::Seconds(5);
  absl::Duration max_retry = absl::Minutes(5);
  // Run the engine under mfgate-sandbox (confinement.h). Off only for
  // kernels or containers that cannot apply it; the worker logs it loudly.
  bool confine = true;
  std::vector<std::string> pass_env;      // Extra variables for the engine.
  std::vector<uint16_t> warehouse_ports;  // Override the profile's port.
  sandbox::Limits limits;
  bool require_landlock = false;
  // kMounts: a mount namespace even where Landlock exists.
  sandbox::FileSystem file_system = sandbox::FileSystem::kAuto;
};

// The engine; fails only for settings that can never work (an unknown
// --engine kind).
absl::StatusOr<std::unique_ptr<Engine>> CreateEngine(EngineSettings settings);

// Runs check_confinement.py with `attempts` in place of the engine, under the
// engine's confinement, and returns what it printed (one JSON line).
absl::StatusOr<std::string> CheckConfinement(
    EngineSettings settings, const std::vector<std::string>& attempts);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_ENGINE_FACTORY_H_
