// mfgate-worker: serves one dbt project's semantic layer over gRPC.
//
// Owns the project's profile credentials and a supervised MetricFlow engine;
// serves mfgate.v1.Worker and grpc.health.v1.Health (SERVING while the
// engine is ready). `mfgate-worker --help` lists the flags; the stages of
// its run are in server/run.h.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/open_files.h"
#include "worker/engine/engine_factory.h"
#include "worker/server/run.h"

ABSL_FLAG(std::string, listen, "", "unix:PATH or HOST:PORT to serve gRPC on");
ABSL_FLAG(std::string, project_dir, "",
          "dbt project directory (default: $DBT_PROJECT_DIR)");
ABSL_FLAG(std::string, profiles_dir, "",
          "dbt profiles directory (default: $DBT_PROFILES_DIR, else ~/.dbt)");
ABSL_FLAG(std::string, target, "", "dbt target (default: the profile's)");
ABSL_FLAG(std::string, engine, "persistent",
          "persistent (MetricFlow loaded once) or cli (`mf` per request)");
ABSL_FLAG(int64_t, engines, 0,
          "persistent engine processes (0 to 32; 0: by warehouse, 2 for "
          "DuckDB, 4 for PostgreSQL, Snowflake, BigQuery, ...)");
ABSL_FLAG(int64_t, engine_queue, 64,
          "calls that may wait for an engine at once (1 to 256)");
ABSL_FLAG(int64_t, engine_idle_seconds, 900,
          "stop the engines after this long without a call; the next call "
          "starts one (0: never; up to 604800)");
ABSL_FLAG(bool, engine_start_on_demand, false,
          "start no engine until a call needs one; metadata is answered "
          "from the project's semantic manifest meanwhile");
ABSL_FLAG(std::string, mf_path, "",
          "the mf executable for --engine=cli (default: $MF_PATH, else the "
          "venv's mf)");
ABSL_FLAG(std::string, tmp_dir, "",
          "scratch directory (default: $MF_TMP_DIR, else a private temporary "
          "directory)");
ABSL_FLAG(std::string, python, "",
          "Python interpreter with MetricFlow (default: $MFGATE_PYTHON, else "
          "the repository's .venv)");
ABSL_FLAG(std::string, engine_host, "",
          "path of mf_host.py (default: beside this binary)");
ABSL_FLAG(std::string, proto_path, "",
          "directory of the generated mfgate/v1/*_pb2.py (default: beside this "
          "binary)");
ABSL_FLAG(int64_t, max_rows, 10000,
          "most rows a query may return (1 to 1,000,000)");
ABSL_FLAG(int64_t, default_limit, 100,
          "limit of a query that sets none (1 to --max-rows)");
ABSL_FLAG(int64_t, startup_timeout_seconds, 300,
          "how long the engine may take to load (1 to 86400)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(std::string, user, "",
          "user (name or UID[:GID]) to become after binding; required when "
          "started as root");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate of the worker (TCP: mutual TLS with --tls-key and "
          "--tls-ca)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle that signs the gateway's client certificate");
ABSL_FLAG(std::string, tls_peer_name, "mfgate-gateway",
          "common name or DNS name the gateway's certificate must carry");
ABSL_FLAG(bool, allow_insecure_tcp, false,
          "serve plaintext gRPC on a non-loopback TCP address");
ABSL_FLAG(std::vector<std::string>, peer_uids, {},
          "more uids allowed to connect to the unix socket (comma-separated)");
ABSL_FLAG(std::string, log_format, "text",
          "text or json (one object per line)");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus /metrics on (default: none)");
ABSL_FLAG(std::string, health_listen, "",
          "HOST:PORT of a plaintext gRPC health server (grpc.health.v1 only), "
          "for probes that cannot do mutual TLS");
ABSL_FLAG(int64_t, max_connection_age_seconds, 300,
          "ask a TCP client to reconnect after this many seconds (0: never), "
          "so that gateways spread over replicas added since");
ABSL_FLAG(std::string, sandbox, "",
          "the mfgate-sandbox launcher (default: beside the worker)");
ABSL_FLAG(bool, confine_engine, true,
          "run the engine under mfgate-sandbox (no new privileges, no "
          "capabilities, rlimits, Landlock, seccomp, scrubbed environment)");
ABSL_FLAG(bool, require_landlock, false,
          "refuse to start the engine when the kernel has no Landlock");
ABSL_FLAG(std::string, engine_file_system, "auto",
          "auto (Landlock where the kernel has it, else a mount namespace) or "
          "mounts (a mount namespace always)");
ABSL_FLAG(std::vector<std::string>, engine_env, {},
          "more environment variables to pass to the engine (comma-separated "
          "names; those the profile reads with env_var() pass already)");
ABSL_FLAG(std::vector<std::string>, warehouse_ports, {},
          "TCP ports the engine may connect to (default: the profile's port)");
ABSL_FLAG(int64_t, engine_memory_mb, 16384,
          "address-space limit of the engine, MiB (256 to 4194304)");
ABSL_FLAG(std::vector<std::string>, check_confinement, {},
          "print what the confined engine gets when it tries these "
          "(read:PATH,write:PATH,exec:PATH,connect:HOST:PORT) and exit");

namespace {

std::string FlagOrEnv(const std::string& flag, const char* env,
                      const std::string& fallback = "") {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

int Fail(const std::string& message) {
  mfgate::LogError(message);
  return 2;
}

// Descriptors the worker needs at the least: gRPC's connections and
// threads' wake-ups, the engine's pipes, its log pipe, the listeners.
constexpr rlim_t kNeededOpenFiles = 256;

// The range of each numeric flag, checked once at start.
struct IntFlagRange {
  const absl::Flag<int64_t>* flag;
  const char* name;
  int64_t min;
  int64_t max;
};

constexpr IntFlagRange kIntFlagRanges[] = {
    {&FLAGS_max_rows, "--max-rows", 1, 1000000},
    {&FLAGS_default_limit, "--default-limit", 1, 1000000},
    {&FLAGS_startup_timeout_seconds, "--startup-timeout-seconds", 1, 86400},
    {&FLAGS_engines, "--engines", 0, 32},
    // Each waiting call holds one of the worker's 256 call threads.
    {&FLAGS_engine_queue, "--engine-queue", 1, 256},
    {&FLAGS_engine_idle_seconds, "--engine-idle-seconds", 0, 604800},
    // Below 256 MiB MetricFlow cannot even be imported.
    {&FLAGS_engine_memory_mb, "--engine-memory-mb", 256, 4 << 20},
};

// The flags that hold HOST:PORT addresses (empty: not used).
constexpr struct {
  const absl::Flag<std::string>* flag;
  const char* name;
} kAddressFlags[] = {
    {&FLAGS_listen, "--listen"},
    {&FLAGS_metrics_listen, "--metrics-listen"},
    {&FLAGS_health_listen, "--health-listen"},
};

// An error naming the first flag out of its range, or OK.
absl::Status CheckFlagRanges() {
  for (const IntFlagRange& range : kIntFlagRanges) {
    const int64_t value = absl::GetFlag(*range.flag);
    if (value < range.min || value > range.max) {
      return absl::InvalidArgumentError(
          absl::StrCat(range.name, " must be between ", range.min, " and ",
                       range.max, ", not ", value));
    }
  }
  if (absl::GetFlag(FLAGS_default_limit) > absl::GetFlag(FLAGS_max_rows)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--default-limit (", absl::GetFlag(FLAGS_default_limit),
        ") must not exceed --max-rows (", absl::GetFlag(FLAGS_max_rows), ")"));
  }
  for (const auto& address : kAddressFlags) {
    const std::string value = absl::GetFlag(*address.flag);
    if (value.empty() || absl::StartsWith(value, "unix:")) continue;
    const size_t colon = value.rfind(':');
    uint32_t port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(value.substr(colon + 1), &port) || port == 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          address.name, " must be HOST:PORT with a port from 1 to 65535",
          address.flag == &FLAGS_listen ? " (or unix:PATH)" : "", ", not '",
          value, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which tracks
  // every lock in a global graph: a large share of a busy server's CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Serves one dbt project's MetricFlow semantic layer over gRPC.");
  std::vector<std::string> args = mfgate::NormalizeFlagDashes(argc, argv);
  absl::ParseCommandLine(argc, argv);
  mfgate::SetLogProgramName("mfgate-worker");
  mfgate::LogLevel level;
  if (!mfgate::ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return Fail("--log-level must be debug, info, warning or error");
  }
  mfgate::SetLogLevel(level);
  mfgate::LogFormat format;
  if (!mfgate::ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    return Fail("--log-format must be text or json");
  }
  mfgate::SetLogFormat(format);
  signal(SIGPIPE, SIG_IGN);  // A dead engine shows as EPIPE, not a signal.
  if (absl::Status ranges = CheckFlagRanges(); !ranges.ok()) {
    return Fail(std::string(ranges.message()));
  }
  if (auto files =
          mfgate::RaiseOpenFileLimit("mfgate-worker", kNeededOpenFiles);
      !files.ok()) {
    return Fail(std::string(files.status().message()));
  }

  mfgate::engine::EngineSettings settings;
  const char* home = std::getenv("HOME");
  settings.project_dir =
      FlagOrEnv(absl::GetFlag(FLAGS_project_dir), "DBT_PROJECT_DIR");
  settings.profiles_dir =
      FlagOrEnv(absl::GetFlag(FLAGS_profiles_dir), "DBT_PROFILES_DIR",
                home != nullptr ? absl::StrCat(home, "/.dbt") : "");
  settings.target = FlagOrEnv(absl::GetFlag(FLAGS_target), "MFGATE_TARGET");
  settings.kind = absl::GetFlag(FLAGS_engine);
  settings.mf_path = FlagOrEnv(absl::GetFlag(FLAGS_mf_path), "MF_PATH");
  settings.tmp_dir = FlagOrEnv(absl::GetFlag(FLAGS_tmp_dir), "MF_TMP_DIR");
  settings.host.python =
      FlagOrEnv(absl::GetFlag(FLAGS_python), "MFGATE_PYTHON");
  settings.host.script = absl::GetFlag(FLAGS_engine_host);
  settings.host.proto_path = absl::GetFlag(FLAGS_proto_path);
  settings.startup_timeout =
      absl::Seconds(absl::GetFlag(FLAGS_startup_timeout_seconds));
  settings.engines = static_cast<int>(absl::GetFlag(FLAGS_engines));
  settings.engine_queue = static_cast<int>(absl::GetFlag(FLAGS_engine_queue));
  settings.engine_idle_stop =
      absl::Seconds(absl::GetFlag(FLAGS_engine_idle_seconds));
  settings.engine_start_on_demand = absl::GetFlag(FLAGS_engine_start_on_demand);
  settings.host.sandbox = absl::GetFlag(FLAGS_sandbox);
  settings.confine = absl::GetFlag(FLAGS_confine_engine);
  settings.require_landlock = absl::GetFlag(FLAGS_require_landlock);
  const std::string file_system = absl::GetFlag(FLAGS_engine_file_system);
  if (file_system != "auto" && file_system != "mounts") {
    return Fail("--engine-file-system must be auto or mounts");
  }
  settings.file_system = file_system == "mounts"
                             ? mfgate::sandbox::FileSystem::kMounts
                             : mfgate::sandbox::FileSystem::kAuto;
  settings.pass_env = absl::GetFlag(FLAGS_engine_env);
  for (const std::string& port : absl::GetFlag(FLAGS_warehouse_ports)) {
    uint32_t value = 0;
    if (!absl::SimpleAtoi(port, &value) || value == 0 || value > 65535) {
      return Fail(absl::StrCat("--warehouse-ports: bad port '", port, "'"));
    }
    settings.warehouse_ports.push_back(static_cast<uint16_t>(value));
  }
  settings.limits.address_space_bytes =
      static_cast<uint64_t>(absl::GetFlag(FLAGS_engine_memory_mb)) << 20;
  if (!settings.confine) {
    mfgate::LogWarning(
        "--confine-engine=false: the engine runs with the worker's "
        "privileges, environment and file-system access");
  }

  mfgate::server::WorkerOptions worker;
  worker.engine = settings;
  worker.listen = absl::GetFlag(FLAGS_listen);
  worker.user = absl::GetFlag(FLAGS_user);
  worker.tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                absl::GetFlag(FLAGS_tls_ca),
                absl::GetFlag(FLAGS_tls_peer_name)};
  worker.allow_insecure_tcp = absl::GetFlag(FLAGS_allow_insecure_tcp);
  for (const std::string& uid : absl::GetFlag(FLAGS_peer_uids)) {
    uint32_t value = 0;
    if (!absl::SimpleAtoi(uid, &value)) {
      return Fail(absl::StrCat("--peer-uids: bad uid '", uid, "'"));
    }
    worker.peer_uids.push_back(value);
  }
  worker.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  worker.health_listen = absl::GetFlag(FLAGS_health_listen);
  worker.max_connection_age = absl::Seconds(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_max_connection_age_seconds)));
  worker.check_confinement = absl::GetFlag(FLAGS_check_confinement);
  worker.service.max_rows = absl::GetFlag(FLAGS_max_rows);
  worker.service.limits.max_limit = worker.service.max_rows;
  worker.service.limits.default_limit = absl::GetFlag(FLAGS_default_limit);
  return mfgate::server::RunWorker(worker);
}
