// mfgate: the MCP gateway in front of MetricFlow workers.
//
//   mfgate [--transport stdio]            one tenant over stdio (default)
//   mfgate --transport http [--listen H:P] every tenant over HTTP
//   mfgate hash-key < key                 the SHA-256 of a key, for --config
//   mfgate check-config [--config FILE]   validate the configuration, exit
//
// Configuration comes from mcp-metricflow's environment variables or from
// --config FILE (see README.md), loaded and validated at start; over HTTP,
// SIGHUP or a change of the file reloads its tenants (gateway/reloader.h).
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/loopback.h"
#include "common/metrics_server.h"
#include "common/open_files.h"
#include "common/pem_files.h"
#include "common/stop_signal.h"
#include "gateway/auth/api_keys.h"
#include "gateway/auth/session_token.h"
#include "gateway/config/config.h"
#include "gateway/gateway.h"
#include "gateway/main_flags.h"
#include "gateway/mcp/request_state.h"
#include "gateway/reloader.h"
#include "gateway/transport/caller_names.h"
#include "gateway/transport/http_transport.h"
#include "gateway/transport/stdio_transport.h"

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

mfgate::mcp::SessionOptions SessionOptions(
    const mfgate::config::GatewayConfig& config) {
  mfgate::mcp::SessionOptions options;
  options.max_concurrent_calls = config.limits.max_concurrent_calls;
  options.server_version = kVersion;
  options.instructions = kInstructions;
  return options;
}

// The configuration: --config FILE or the environment, then the flags that
// override it.
absl::StatusOr<mfgate::config::GatewayConfig> LoadGatewayConfig() {
  mfgate::config::Environment env = mfgate::config::ProcessEnvironment();
  absl::StatusOr<mfgate::config::GatewayConfig> config =
      absl::GetFlag(FLAGS_config).empty()
          ? mfgate::config::LoadConfigFromEnv(env)
          : mfgate::config::LoadConfigFile(absl::GetFlag(FLAGS_config), env);
  if (!config.ok()) return config;
  if (!absl::GetFlag(FLAGS_worker_binary).empty()) {
    config->worker_binary = absl::GetFlag(FLAGS_worker_binary);
  }
  for (auto [flag, field] :
       {std::pair{&FLAGS_worker_tls_cert, &config->worker_tls.cert},
        std::pair{&FLAGS_worker_tls_key, &config->worker_tls.key},
        std::pair{&FLAGS_worker_tls_ca, &config->worker_tls.ca}}) {
    if (!absl::GetFlag(*flag).empty()) *field = absl::GetFlag(*flag);
  }
  return config;
}

// `mfgate check-config`: loads the configuration as a start would (the
// tenants, the key digests and their files, the worker TLS files, the
// session secret) and prints
// a summary; starts nothing.
int CheckConfig() {
  absl::StatusOr<mfgate::config::GatewayConfig> config = LoadGatewayConfig();
  if (!config.ok()) return Fail(config.status().message());
  if (config->worker_tls.enabled()) {
    auto pem = mfgate::ReadPemFiles(
        config->worker_tls.cert, config->worker_tls.key, config->worker_tls.ca);
    if (!pem.ok()) return Fail(pem.status().message());
  }
  bool generated = false;
  auto secret =
      mfgate::auth::LoadSessionSecret(mfgate::config::ProcessEnvironment(),
                                      config->session_secret_file, &generated);
  if (!secret.ok()) return Fail(secret.status().message());
  std::cout << "config ok: " << config->tenants.size() << " tenant(s)";
  for (const auto& tenant : config->tenants) {
    std::cout << "\n  " << tenant.name << ": "
              << (tenant.spawn.has_value() ? "spawned worker"
                                           : "worker at " + tenant.address)
              << ", " << tenant.api_key_sha256.size() << " API key(s)";
  }
  std::cout << "\nworker TLS: "
            << (config->worker_tls.enabled() ? "mutual" : "off")
            << "\nsession secret: "
            << (generated ? "of this process" : "shared") << "\n";
  return 0;
}

// `mfgate hash-key`: reads a key from stdin (never argv, which other users
// can see) and prints its SHA-256 for a config's api_key_sha256.
int HashKey() {
  std::string key;
  std::getline(std::cin, key);
  key = std::string(absl::StripAsciiWhitespace(key));
  if (key.empty()) return Fail("hash-key: give the key on standard input");
  std::cout << mfgate::config::Sha256Hex(key) << "\n";
  return 0;
}

int ServeStdio(const mfgate::config::GatewayConfig& config,
               mfgate::Gateway& gateway) {
  std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (tenant.empty()) {
    if (config.tenants.size() != 1) {
      return Fail(
          "the configuration has several tenants: choose one with --tenant");
    }
    tenant = config.tenants.front().name;
  }
  mfgate::mcp::Handlers handlers = gateway.Handlers(tenant);
  if (handlers.tools == nullptr)
    return Fail(absl::StrCat("no tenant named '", tenant, "'"));
  gateway.open_sessions()->store(1);
  // The one session of this process, named at random (a worker it shares
  // with other gateways tells their sessions apart).
  mfgate::mcp::SessionOptions session_options = SessionOptions(config);
  session_options.caller =
      mfgate::transport::CallerNames("").ForSession("stdio");
  absl::Status served = mfgate::transport::RunStdio(STDIN_FILENO, STDOUT_FILENO,
                                                    handlers, session_options);
  gateway.open_sessions()->store(0);
  return served.ok() ? 0 : Fail(served.message());
}

// What serving HTTP needs of the process. Each connection holds a
// descriptor: the open-file limit goes up to what the kernel allows, and a
// limit below the connection limit is said at start. Request bodies are read
// whole, up to max_body_bytes, on the listener's thread: glibc would keep
// such buffers in that thread's arena once freed (malloc_trim does not shrink
// the top of a thread's heap), so blocks of 128 KiB and more are mapped and
// unmapped instead, and a flood of large bodies leaves no memory behind.
void PrepareForHttp(int max_connections) {
  // Descriptors besides connections: workers' channels, pipes, files.
  constexpr rlim_t kOthers = 256;
  absl::StatusOr<rlim_t> files = mfgate::RaiseOpenFileLimit("mfgate", kOthers);
  if (!files.ok()) {
    mfgate::LogWarning(files.status().message());
  } else if (*files < static_cast<rlim_t>(max_connections) + kOthers) {
    mfgate::LogWarning(
        absl::StrCat("the open-file limit (", *files,
                     ") is below max_connections (", max_connections, ") plus ",
                     kOthers, ": connections past it fail to be accepted"));
  }
  mallopt(M_MMAP_THRESHOLD, 128 << 10);
}

// HTTP settings from the configuration and flags, checked against the
// authentication policy before any worker starts.
absl::StatusOr<mfgate::transport::HttpOptions> HttpSettings(
    const mfgate::config::GatewayConfig& config,
    const mfgate::auth::ApiKeys& keys) {
  mfgate::transport::HttpOptions options;
  options.host = config.http_host;
  options.port = config.http_port;
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  for (const std::string& file : {options.tls_cert, options.tls_key}) {
    if (!file.empty() && access(file.c_str(), R_OK) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read '", file, "'"));
    }
  }
  options.limits = config.limits;
  bool generated = false;
  absl::StatusOr<std::string> secret =
      mfgate::auth::LoadSessionSecret(mfgate::config::ProcessEnvironment(),
                                      config.session_secret_file, &generated);
  if (!secret.ok()) return secret.status();
  options.session_secret = std::move(*secret);
  // What a multi-round call keeps between rounds opens on every replica
  // that shares the secret, as its sessions do.
  mfgate::mcp::RequestStateSeal::ShareSecret(options.session_secret);
  if (generated) {
    mfgate::LogInfo(
        "session tokens are signed with a secret of this process: other "
        "replicas cannot serve its sessions (set MFGATE_SESSION_SECRET or "
        "session_secret_file)");
  }
  if (const std::string listen = absl::GetFlag(FLAGS_listen); !listen.empty()) {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(listen.substr(colon + 1), &options.port)) {
      return absl::InvalidArgumentError("--listen must be HOST:PORT");
    }
    options.host = listen.substr(0, colon);
  }
  const bool loopback = mfgate::IsLoopbackAddress(options.host);
  if (config.require_auth && !keys.enabled()) {
    return absl::InvalidArgumentError(
        "MCP_REQUIRE_AUTH is on but no API key is configured (set "
        "MCP_API_KEY)");
  }
  if (!keys.enabled()) {
    if (config.tenants.size() != 1) {
      return absl::InvalidArgumentError(
          "several tenants over HTTP need API keys (api_key_sha256) to tell "
          "them apart");
    }
    if (!loopback && !absl::GetFlag(FLAGS_allow_unauthenticated_remote)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refusing to serve without authentication on ", options.host,
          ": configure API keys, or pass --allow-unauthenticated-remote"));
    }
    options.default_tenant = config.tenants.front().name;
  }
  return options;
}

// How often the configuration's files are looked at for a change.
constexpr absl::Duration kConfigPoll = absl::Seconds(1);

// Serves the tenants of `next` in place of those of `current`: the new
// ones start, keys change, and the sessions of removed or replaced tenants
// end; other tenants' sessions are untouched.
absl::Status ApplyReload(const mfgate::config::GatewayConfig& current,
                         const mfgate::config::GatewayConfig& next,
                         mfgate::Gateway& gateway, mfgate::auth::ApiKeys& keys,
                         mfgate::transport::HttpTransport& http) {
  std::vector<std::string> ended;
  absl::Status applied = gateway.Apply(next, &ended);
  keys.Replace(next);
  for (const auto& tenant : current.tenants) {
    bool kept = false;
    for (const auto& t : next.tenants) kept = kept || t.name == tenant.name;
    if (!kept) ended.push_back(tenant.name);
  }
  for (const std::string& tenant : ended) {
    const size_t sessions = http.EndTenant(tenant);
    mfgate::LogInfo(absl::StrCat("tenant ", tenant, ": ", sessions,
                                 " session(s) ended by the reload"));
  }
  return applied;
}

int ServeHttp(const mfgate::config::GatewayConfig& config,
              const mfgate::transport::HttpOptions& options,
              mfgate::auth::ApiKeys& keys, mfgate::Gateway& gateway) {
  if (!keys.enabled()) {
    mfgate::LogWarning(
        "AUTHENTICATION IS OFF: anyone who can reach this port can query the "
        "semantic layer");
  }
  mfgate::transport::HttpOptions with_gauge = options;
  with_gauge.open_sessions = gateway.open_sessions();
  with_gauge.requests_answered = gateway.http_requests();
  mfgate::transport::HttpTransport http(
      with_gauge, &keys,
      [&gateway](const std::string& t) { return gateway.Handlers(t); },
      SessionOptions(config),
      [&gateway](const std::string& tenant, nlohmann::json* report) {
        return gateway.Ready(tenant, report);
      });
  // Before Start: a signal from then on is kept.
  mfgate::StopSignal stop(/*hangup=*/true);
  PrepareForHttp(options.limits.max_connections);
  if (absl::Status started = http.Start(); !started.ok()) {
    return Fail(started.message());
  }
  auto reloader = std::make_unique<mfgate::Reloader>(
      config, absl::GetFlag(FLAGS_config), LoadGatewayConfig,
      [&](const auto& current, const auto& next) {
        return ApplyReload(current, next, gateway, keys, http);
      },
      kConfigPoll);
  int signal_number;
  while ((signal_number = stop.Wait()) == SIGHUP) reloader->Request();
  reloader.reset();  // No reload while draining.
  const absl::Duration grace =
      absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));
  mfgate::LogInfo(absl::StrCat("signal ", signal_number, ": draining (up to ",
                               absl::FormatDuration(grace), ")"));
  http.Drain(absl::Now() + grace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which tracks
  // every lock in a global graph: a large share of a busy server's CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "MCP gateway for dbt MetricFlow. Configure with DBT_PROJECT_DIR and "
      "DBT_PROFILES_DIR, or --config FILE. `mfgate hash-key` hashes a key.");
  std::vector<std::string> storage = mfgate::NormalizeFlagDashes(argc, argv);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  mfgate::SetLogProgramName("mfgate");
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
  signal(SIGPIPE, SIG_IGN);
  if (positional.size() > 1) {
    if (std::string(positional[1]) == "hash-key") return HashKey();
    if (std::string(positional[1]) == "check-config") return CheckConfig();
    return Fail(absl::StrCat("unknown command '", positional[1],
                             "' (known: hash-key, check-config)"));
  }
  const std::string transport = absl::GetFlag(FLAGS_transport);
  if (transport != "stdio" && transport != "http") {
    return Fail(
        absl::StrCat("unknown --transport '", transport, "' (stdio or http)"));
  }

  if (const double drain = absl::GetFlag(FLAGS_drain_seconds);
      !(drain >= 0 && drain <= 3600)) {
    return Fail("--drain-seconds must be in [0, 3600]");
  }
  absl::StatusOr<mfgate::config::GatewayConfig> config = LoadGatewayConfig();
  if (!config.ok()) return Fail(config.status().message());
  mfgate::auth::ApiKeys keys(*config);
  absl::StatusOr<mfgate::transport::HttpOptions> http;
  if (transport == "http") {
    http = HttpSettings(*config, keys);
    if (!http.ok()) return Fail(http.status().message());
  }
  auto gateway = mfgate::Gateway::Create(*config, argv[0]);
  if (!gateway.ok()) return Fail(gateway.status().message());
  mfgate::MetricsServer metrics;
  if (!absl::GetFlag(FLAGS_metrics_listen).empty()) {
    absl::Status started = metrics.Start(absl::GetFlag(FLAGS_metrics_listen),
                                         &(*gateway)->metrics());
    if (!started.ok()) return Fail(started.message());
  }
  int code = transport == "stdio" ? ServeStdio(*config, **gateway)
                                  : ServeHttp(*config, *http, keys, **gateway);
  (*gateway)->Stop();
  return code;
}
