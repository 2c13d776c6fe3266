// mfgate: the MCP gateway in front of MetricFlow workers.
//
// Loads its configuration once (mcp-metricflow's environment variables, or a
// JSON file with tenants), starts or connects to each tenant's worker, and
// serves MCP. Over stdio the gateway serves one tenant: the only one, or the
// one named by --tenant. See README.md for the configuration.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/log.h"
#include "gateway/config/config.h"
#include "gateway/mcp/session.h"
#include "gateway/tools/metricflow_tools.h"
#include "gateway/transport/stdio_transport.h"
#include "gateway/upstream/worker_pool.h"

ABSL_FLAG(std::string, config, "",
          "JSON configuration file with tenants (default: one tenant from "
          "DBT_PROJECT_DIR / DBT_PROFILES_DIR)");
ABSL_FLAG(std::string, transport, "stdio", "stdio");
ABSL_FLAG(std::string, tenant, "",
          "tenant served over stdio (default: the only one)");
ABSL_FLAG(std::string, worker_binary, "",
          "mfgate-worker to spawn (default: $MFGATE_WORKER_BINARY, else beside "
          "mfgate)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");

namespace {

constexpr char kVersion[] = "0.1.0";

constexpr char kInstructions[] =
    "mfgate serves a dbt MetricFlow semantic layer. Start with list_metrics, "
    "then list_dimensions for the metrics you need, then query. Group by "
    "dimension names such as metric_time__month or customer__region; filter "
    "with where using {{ Dimension('...') }} references.";

int Fail(absl::string_view message) {
  mfgate::LogError(message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "MCP gateway for dbt MetricFlow. Configure with DBT_PROJECT_DIR and "
      "DBT_PROFILES_DIR, or --config FILE.");
  std::vector<std::string> args = mfgate::NormalizeFlagDashes(argc, argv);
  absl::ParseCommandLine(argc, argv);
  mfgate::SetLogProgramName("mfgate");
  mfgate::LogLevel level;
  if (!mfgate::ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return Fail("--log-level must be debug, info, warning or error");
  }
  mfgate::SetLogLevel(level);
  signal(SIGPIPE, SIG_IGN);
  if (absl::GetFlag(FLAGS_transport) != "stdio") {
    return Fail(absl::StrCat("unknown --transport '",
                             absl::GetFlag(FLAGS_transport),
                             "' (supported: stdio)"));
  }

  mfgate::config::Environment env = mfgate::config::ProcessEnvironment();
  absl::StatusOr<mfgate::config::GatewayConfig> config =
      absl::GetFlag(FLAGS_config).empty()
          ? mfgate::config::LoadConfigFromEnv(env)
          : mfgate::config::LoadConfigFile(absl::GetFlag(FLAGS_config), env);
  if (!config.ok()) return Fail(config.status().message());
  if (!absl::GetFlag(FLAGS_worker_binary).empty()) {
    config->worker_binary = absl::GetFlag(FLAGS_worker_binary);
  }

  std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (tenant.empty()) {
    if (config->tenants.size() != 1) {
      return Fail(
          "the configuration has several tenants: choose one with --tenant");
    }
    tenant = config->tenants.front().name;
  }

  auto pool = mfgate::upstream::WorkerPool::Create(*config, argv[0]);
  if (!pool.ok()) return Fail(pool.status().message());
  auto stub = (*pool)->Stub(tenant);
  if (!stub.ok()) return Fail(stub.status().message());

  // Serve at once; calls wait for the worker within their deadlines. This
  // thread reports when the worker is ready, or why it is not.
  std::thread ready_reporter(
      [pool = pool->get(), tenant, timeout = config->worker_start_timeout] {
        absl::Status ready = pool->WaitReady(tenant, absl::Now() + timeout);
        if (ready.ok()) {
          mfgate::LogInfo(absl::StrCat("tenant ", tenant, ": worker ready"));
        } else {
          mfgate::LogError(ready.message());
        }
      });

  mfgate::tools::MetricFlowToolsOptions tool_options;
  tool_options.call_timeout = config->call_timeout;
  tool_options.list_timeout = config->list_timeout;
  mfgate::tools::MetricFlowTools tools(*stub, tool_options);

  mfgate::mcp::SessionOptions session_options;
  session_options.server_name = "mfgate";
  session_options.server_version = kVersion;
  session_options.instructions = kInstructions;
  absl::Status served = mfgate::transport::RunStdio(STDIN_FILENO, STDOUT_FILENO,
                                                    &tools, session_options);
  (*pool)->StopAll();  // Also ends the reporter's wait.
  ready_reporter.join();
  if (!served.ok()) return Fail(served.message());
  return 0;
}
