#include "worker/engine/engine_factory.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/paths.h"
#include "common/subprocess.h"
#include "worker/engine/cli_engine.h"
#include "worker/engine/persistent_engine.h"

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

absl::StatusOr<std::string> ScratchDir(const std::string& requested) {
  if (requested.empty()) {
    std::string pattern = "/tmp/mfgate-engine-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("mkdtemp: ", strerror(errno)));
    }
    return pattern;
  }
  if (mkdir(requested.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InvalidArgumentError(
        absl::StrCat("scratch directory '", requested, "': ", strerror(errno)));
  }
  return requested;
}

// The engine's environment: the worker's, with dbt's telemetry and update
// checks off, and the interpreter's directory first on PATH (dbt, mf).
std::vector<std::string> EngineEnvironment(const std::string& python) {
  std::vector<std::string> env = CurrentEnvironment();
  const char* path = getenv("PATH");
  env = WithEnv(std::move(env), "PATH",
                absl::StrCat(Dirname(python), ":",
                             path != nullptr ? path : "/usr/bin:/bin"));
  env = WithEnv(std::move(env), "DO_NOT_TRACK", "1");
  env = WithEnv(std::move(env), "DBT_SEND_ANONYMOUS_USAGE_STATS", "false");
  env = WithEnv(std::move(env), "PYTHONUNBUFFERED", "1");
  // dbt leaves a semaphore to multiprocessing's tracker, which warns about it
  // on every exit: noise in the worker's log.
  env = WithEnv(std::move(env), "PYTHONWARNINGS",
                "ignore::UserWarning:multiprocessing.resource_tracker");
  return env;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> CreateEngine(EngineSettings settings) {
  if (settings.kind != "persistent" && settings.kind != "cli") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--engine must be persistent or cli, not '", settings.kind, "'"));
  }
  auto project = ExistingDir(settings.project_dir, "dbt project directory",
                             "dbt_project.yml");
  if (!project.ok()) return project.status();
  auto profiles = ExistingDir(settings.profiles_dir, "dbt profiles directory",
                              "profiles.yml");
  if (!profiles.ok()) return profiles.status();
  auto scratch = ScratchDir(settings.tmp_dir);
  if (!scratch.ok()) return scratch.status();

  if (settings.kind == "cli") {
    CliEngineOptions cli;
    cli.mf_path = settings.mf_path;
    if (cli.mf_path.empty()) {
      auto host = LocateEngineHost(settings.host);
      cli.mf_path = host.ok() ? Dirname(host->python) + "/mf" : "mf";
    }
    if (cli.mf_path.find('/') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MF_PATH / --mf-path must be a path to the mf executable, not '",
          cli.mf_path,
          "' (the worker runs it without a shell or PATH search)"));
    }
    cli.project_dir = *project;
    cli.profiles_dir = *profiles;
    cli.target = settings.target;
    cli.tmp_dir = *scratch;
    cli.env = EngineEnvironment(cli.mf_path);
    return std::unique_ptr<Engine>(new CliEngine(std::move(cli)));
  }

  auto host = LocateEngineHost(settings.host);
  if (!host.ok()) return host.status();
  PersistentEngineOptions options;
  options.argv = {host->python,    "-B",           host->script,
                  "--project-dir", *project,       "--profiles-dir",
                  *profiles,       "--proto-path", host->proto_path,
                  "--scratch-dir", *scratch};
  if (!settings.target.empty()) {
    options.argv.push_back("--target");
    options.argv.push_back(settings.target);
  }
  options.env = EngineEnvironment(host->python);
  options.cwd = *project;
  options.startup_timeout = settings.startup_timeout;
  return std::unique_ptr<Engine>(new PersistentEngine(std::move(options)));
}

}  // namespace mfgate::engine
