// mfgate-worker: serves one dbt project's semantic layer over gRPC.
//
// Owns the project's profile credentials and a supervised MetricFlow engine;
// serves mfgate.v1.Worker and grpc.health.v1.Health (SERVING while the
// engine is ready). See worker/README.md for the flags.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/log.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "worker/engine/engine_factory.h"
#include "worker/service/worker_service.h"

ABSL_FLAG(std::string, listen, "", "unix:PATH or HOST:PORT to serve gRPC on");
ABSL_FLAG(std::string, project_dir, "",
          "dbt project directory (default: $DBT_PROJECT_DIR)");
ABSL_FLAG(std::string, profiles_dir, "",
          "dbt profiles directory (default: $DBT_PROFILES_DIR, else ~/.dbt)");
ABSL_FLAG(std::string, target, "", "dbt target (default: the profile's)");
ABSL_FLAG(std::string, engine, "persistent",
          "persistent (MetricFlow loaded once) or cli (`mf` per request)");
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
ABSL_FLAG(int64_t, max_rows, 10000, "most rows a query may return");
ABSL_FLAG(int64_t, default_limit, 100, "limit of a query that sets none");
ABSL_FLAG(int64_t, startup_timeout_seconds, 300,
          "how long the engine may take to load");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

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

}  // namespace

int main(int argc, char** argv) {
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
  signal(SIGPIPE, SIG_IGN);  // A dead engine shows as EPIPE, not a signal.

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

  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty())
    return Fail("--listen is required (unix:PATH or HOST:PORT)");
  auto engine = mfgate::engine::CreateEngine(settings);
  if (!engine.ok()) return Fail(std::string(engine.status().message()));

  mfgate::service::ServiceOptions options;
  options.max_rows = absl::GetFlag(FLAGS_max_rows);
  options.limits.max_limit = options.max_rows;
  options.limits.default_limit = absl::GetFlag(FLAGS_default_limit);
  mfgate::service::WorkerService service(engine->get(), options);

  if (absl::StartsWith(listen, "unix:")) unlink(listen.substr(5).c_str());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  builder.SetMaxSendMessageSize(64 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return Fail(absl::StrCat("cannot listen on ", listen));
  if (absl::StartsWith(listen, "unix:")) chmod(listen.substr(5).c_str(), 0600);
  mfgate::LogInfo(absl::StrCat("serving ", settings.project_dir, " on ", listen,
                               " with the ", settings.kind, " engine"));

  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  bool serving = false;
  health->SetServingStatus(false);
  while (!g_stop) {
    bool ready = (*engine)->Ready();
    if (ready != serving) {
      health->SetServingStatus(ready);
      serving = ready;
      mfgate::LogInfo(
          absl::StrCat("health: ", ready ? "SERVING" : "NOT_SERVING", " - ",
                       (*engine)->Describe()));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  mfgate::LogInfo("shutting down");
  health->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  engine->reset();
  if (absl::StartsWith(listen, "unix:")) unlink(listen.substr(5).c_str());
  return 0;
}
