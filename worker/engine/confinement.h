// How the worker confines its engine: the mfgate-sandbox policy and the
// scrubbed environment, built once at start-up from the project, the engine
// host and the warehouse the profile names.
//
// The warehouse is found by running describe_warehouse.py under a read-only,
// network-less version of the same confinement; a DuckDB warehouse then gets
// read access to its file (or, for an engine that writes, write access to its
// directory) and no network at all, any other warehouse TCP connect to its
// port only. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_CONFINEMENT_H_
#define MFGATE_WORKER_ENGINE_CONFINEMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/sandbox/policy.h"

namespace mfgate::engine {

struct ConfinementSettings {
  std::string sandbox;       // The mfgate-sandbox executable.
  std::string python;        // The engine's interpreter (in its venv).
  std::string host_dir;      // Directory of mf_host.py and its helpers.
  std::string proto_path;    // Generated protobuf modules.
  std::string project_dir;   // Resolved; holds dbt_project.yml.
  std::string profiles_dir;  // Resolved; holds profiles.yml.
  std::string scratch_dir;   // The engine's only private writable directory.
  std::string target;        // dbt target; empty for the profile's default.
  // More environment variables to pass through (beyond those the profile and
  // project reference with env_var()).
  std::vector<std::string> pass_env;
  // TCP ports the engine may connect to instead of the profile's port.
  std::vector<uint16_t> warehouse_ports;
  sandbox::Limits limits;
  // The engine gets its profile over its pipe (profile_bootstrap.h): the
  // policy hides profiles.yml from it, and the variables only the profile
  // refers to are left out of its environment.
  bool profile_over_pipe = false;
  // The engine opens a DuckDB warehouse read-only: the policy lets it read
  // the database file, never write it.
  bool read_only_warehouse = false;
  bool require_landlock = false;
  sandbox::FileSystem file_system = sandbox::FileSystem::kAuto;
  absl::Duration describe_timeout = absl::Minutes(2);
};

struct Confinement {
  // Prefix of every engine command line: mfgate-sandbox, its policy, "--".
  std::vector<std::string> launcher;
  std::vector<std::string> env;  // The engine's whole environment.
  sandbox::Policy policy;
  std::string warehouse;  // e.g. "duckdb file /p/x.duckdb", "postgres :5432".
};

absl::StatusOr<Confinement> PrepareConfinement(
    const ConfinementSettings& settings);

// Where the profile's warehouse lives, as describe_warehouse.py reports it.
struct Warehouse {
  std::string type;   // The dbt adapter: "duckdb", "postgres", ...
  std::string path;   // DuckDB's database file; empty in memory or elsewhere.
  std::string host;   // Empty when not given.
  uint16_t port = 0;  // 0 when not given.
};

// The describer's answer, one JSON object on one line: {"type": string,
// "path": string, "host": string, "port": 1..65535}, only "type" required.
// Parsed within limits (common/json_parse.h); anything else is
// InvalidArgument naming what is wrong. A pure function of `line`.
absl::StatusOr<Warehouse> ParseWarehouse(absl::string_view line);

// The environment of an engine run without confinement: the worker's own,
// with `python`'s directory first on PATH and the variables every engine
// gets (no telemetry, unbuffered and colourless output).
std::vector<std::string> UnconfinedEnvironment(const std::string& python);

// The names `text` references as env_var('NAME') or env_var("NAME").
std::vector<std::string> ReferencedEnvVars(const std::string& text);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_CONFINEMENT_H_
