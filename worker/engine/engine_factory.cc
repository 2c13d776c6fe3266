#include "worker/engine/engine_factory.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/redact.h"
#include "common/subprocess.h"
#include "worker/engine/cli_engine.h"
#include "worker/engine/confinement.h"
#include "worker/engine/engine_pool.h"
#include "worker/engine/persistent_engine.h"
#include "worker/engine/profile_bootstrap.h"
#include "worker/engine/starting_engine.h"
#include "worker/manifest/project_manifest.h"

namespace mfgate::engine {
namespace {

absl::StatusOr<std::string> ExistingDir(const std::string& path,
                                        const char* what,
                                        const char* must_hold) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no ", what, " given"));
  }
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", path, "': ", strerror(errno)));
  }
  std::string file = absl::StrCat(resolved, "/", must_hold);
  if (access(file.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", path, "' has no readable ", must_hold));
  }
  return std::string(resolved);
}

// The scratch directory: `requested` (made if missing, and kept), else a
// new private one that `owned` removes when the engine is gone.
absl::StatusOr<std::string> ScratchDir(const std::string& requested,
                                       std::unique_ptr<TempDir>* owned) {
  if (requested.empty()) {
    auto made = TempDir::Create("mfgate-engine-");
    if (!made.ok()) return made.status();
    *owned = std::move(*made);
    return (*owned)->path();
  }
  if (mkdir(requested.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InvalidArgumentError(
        absl::StrCat("scratch directory '", requested, "': ", strerror(errno)));
  }
  return requested;
}

// The values of the engine's credential variables (those a profile reads
// with env_var(), by their names) are redacted wherever they appear.
void RegisterIfSecret(absl::string_view name, absl::string_view value) {
  if (IsSecretName(name)) RegisterSecret(value);
}

void RegisterSecrets(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos) continue;
    RegisterIfSecret(absl::string_view(entry).substr(0, equals),
                     absl::string_view(entry).substr(equals + 1));
  }
}

// Where the engine may go, and with which environment (confinement.h).
// Unconfined, the engine gets the worker's environment (UnconfinedEnvironment).
absl::StatusOr<Confinement> Confine(const EngineSettings& settings,
                                    const EngineHost& host,
                                    const std::string& project,
                                    const std::string& profiles,
                                    const std::string& scratch) {
  if (!settings.confine) {
    Confinement none;
    none.env = UnconfinedEnvironment(host.python);
    none.warehouse = "unconfined";
    return none;
  }
  ConfinementSettings confinement;
  confinement.sandbox = host.sandbox;
  confinement.python = host.python;
  confinement.host_dir = Dirname(host.script);
  confinement.proto_path = host.proto_path;
  confinement.project_dir = project;
  confinement.profiles_dir = profiles;
  confinement.scratch_dir = scratch;
  confinement.target = settings.target;
  confinement.pass_env = settings.pass_env;
  confinement.warehouse_ports = settings.warehouse_ports;
  confinement.limits = settings.limits;
  // The persistent engine takes its profile over its pipe and only reads
  // from the warehouse; the `mf` CLI reads profiles.yml itself.
  confinement.profile_over_pipe = settings.kind == "persistent";
  confinement.read_only_warehouse = settings.kind == "persistent";
  confinement.require_landlock = settings.require_landlock;
  confinement.file_system = settings.file_system;
  return PrepareConfinement(confinement);
}

struct Prepared {
  std::string project, profiles, scratch;
  std::unique_ptr<TempDir> owned_scratch;  // When the worker made it.
  EngineHost host;
  Confinement confinement;
};

absl::StatusOr<Prepared> Prepare(const EngineSettings& settings) {
  Prepared p;
  auto project = ExistingDir(settings.project_dir, "dbt project directory",
                             "dbt_project.yml");
  if (!project.ok()) return project.status();
  auto profiles = ExistingDir(settings.profiles_dir, "dbt profiles directory",
                              "profiles.yml");
  if (!profiles.ok()) return profiles.status();
  auto scratch = ScratchDir(settings.tmp_dir, &p.owned_scratch);
  if (!scratch.ok()) return scratch.status();
  p.project = *project;
  p.profiles = *profiles;
  p.scratch = RealPath(*scratch);
  auto host = LocateEngineHost(settings.host);
  if (!host.ok()) return host.status();
  p.host = *host;
  auto confinement =
      Confine(settings, p.host, p.project, p.profiles, p.scratch);
  if (!confinement.ok()) return confinement.status();
  p.confinement = std::move(*confinement);
  RegisterSecrets(p.confinement.env);
  LogInfo(absl::StrCat("engine confinement: ", p.confinement.warehouse));
  return p;
}

// Prepares and starts the engine `settings` describe, once.
absl::StatusOr<BuiltEngine> BuildEngine(const EngineSettings& settings) {
  auto prepared = Prepare(settings);
  if (!prepared.ok()) return prepared.status();
  Prepared& p = *prepared;
  BuiltEngine built;
  built.scratch = std::move(p.owned_scratch);

  if (settings.kind == "cli") {
    CliEngineOptions cli;
    cli.mf_path = settings.mf_path;
    if (cli.mf_path.empty()) cli.mf_path = Dirname(p.host.python) + "/mf";
    if (cli.mf_path.find('/') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MF_PATH / --mf-path must be a path to the mf executable, not '",
          cli.mf_path,
          "' (the worker runs it without a shell or PATH search)"));
    }
    cli.project_dir = p.project;
    cli.profiles_dir = p.profiles;
    cli.target = settings.target;
    cli.tmp_dir = p.scratch;
    cli.env = p.confinement.env;
    cli.launcher = p.confinement.launcher;
    built.engine = std::make_unique<CliEngine>(std::move(cli));
    return built;
  }

  EnginePoolOptions pool;
  pool.size = settings.engines;
  pool.max_queue = settings.engine_queue;
  pool.idle_stop = settings.engine_idle_stop;
  pool.start_on_demand = settings.engine_start_on_demand;
  // Metadata is answered from the project's manifest before any engine has
  // started (or when none ever does); a manifest that cannot be read only
  // means metadata waits for an engine.
  if (absl::StatusOr<manifest::ProjectIndex> read =
          manifest::ReadProjectIndex(p.project, p.scratch);
      read.ok()) {
    LogInfo(absl::StrCat("metadata: answered from ", read->path,
                         " until an engine computes its own"));
    pool.manifest_index =
        std::make_shared<const v1::SemanticIndex>(std::move(read->index));
    pool.manifest_index_sha256 = read->manifest_sha256;
  } else {
    LogInfo(absl::StrCat("metadata: waits for an engine (",
                         read.status().message(), ")"));
  }
  PersistentEngineOptions& options = pool.engine;
  options.argv = p.confinement.launcher;
  for (const std::string& arg :
       {p.host.python, std::string("-B"), p.host.script,
        std::string("--project-dir"), p.project, std::string("--profiles-dir"),
        p.profiles, std::string("--proto-path"), p.host.proto_path,
        std::string("--scratch-dir"), p.scratch}) {
    options.argv.push_back(arg);
  }
  if (!settings.target.empty()) {
    options.argv.push_back("--target");
    options.argv.push_back(settings.target);
  }
  auto bootstrap = ReadProfileBootstrap(p.profiles);
  if (!bootstrap.ok()) return bootstrap.status();
  // The profile's variables travel in the bootstrap, not the environment.
  for (const auto& [name, value] : bootstrap->env()) {
    RegisterIfSecret(name, value);
  }
  options.bootstrap = bootstrap->SerializeAsString();
  options.env = p.confinement.env;
  options.cwd = p.project;
  options.startup_timeout = settings.startup_timeout;
  options.min_start_backoff = settings.min_retry;
  options.max_start_backoff = settings.max_retry;
  built.engine = std::make_unique<EnginePool>(std::move(pool));
  return built;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> CreateEngine(EngineSettings settings) {
  if (settings.kind != "persistent" && settings.kind != "cli") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--engine must be persistent or cli, not '", settings.kind, "'"));
  }
  const absl::Duration min_retry = settings.min_retry;
  const absl::Duration max_retry = settings.max_retry;
  return std::unique_ptr<Engine>(new StartingEngine(
      [settings = std::move(settings)] { return BuildEngine(settings); },
      min_retry, max_retry));
}

absl::StatusOr<std::string> CheckConfinement(
    EngineSettings settings, const std::vector<std::string>& attempts) {
  auto prepared = Prepare(settings);
  if (!prepared.ok()) return prepared.status();
  SpawnOptions spawn;
  spawn.argv = prepared->confinement.launcher;
  spawn.argv.push_back(prepared->host.python);
  spawn.argv.push_back("-B");
  spawn.argv.push_back(Dirname(prepared->host.script) +
                       "/check_confinement.py");
  spawn.argv.insert(spawn.argv.end(), attempts.begin(), attempts.end());
  spawn.env = prepared->confinement.env;
  spawn.cwd = prepared->project;
  auto run = RunCapturingOutput(std::move(spawn),
                                absl::Now() + absl::Minutes(1), 1 << 20);
  if (!run.ok()) return run.status();
  if (run->exit.exit_code != 0) {
    return absl::InternalError(absl::StrCat(
        "the check ended with ", run->exit.ToString(), ": ", run->output));
  }
  return run->output;
}

}  // namespace mfgate::engine
