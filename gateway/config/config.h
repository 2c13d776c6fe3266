// The gateway's configuration: data, parsed and validated once at start-up.
//
// Two sources, never mixed:
//  - mcp-metricflow's environment variables give a single tenant, "default",
//    whose worker the gateway spawns: DBT_PROJECT_DIR (required),
//    DBT_PROFILES_DIR (default ~/.dbt), MF_PATH (the mf executable for the
//    cli engine), MF_TMP_DIR (the worker's scratch directory), MFGATE_TARGET,
//    MFGATE_ENGINE, MFGATE_ENGINES, MFGATE_ENGINE_QUEUE and
//    MFGATE_ENGINE_IDLE_SECONDS (kSpawnPoolSettings); MCP_API_KEY /
//    MCP_REQUIRE_AUTH / MCP_HOST / MCP_PORT are read for the HTTP transport
//    (only a SHA-256 of the key is kept); the tenant's tools and bounds come
//    from DISABLE_TOOLS, ENABLE_TOOLS (or dbt-mcp's DBT_MCP_ENABLE_TOOLS),
//    MFGATE_TOOL_NAMING, MFGATE_RESPONSE_BUDGET_CHARS, MFGATE_MAX_ROWS and
//    MFGATE_QUERY_TIMEOUT_SECONDS.
//  - a JSON file (--config) listing tenants; see gateway/config/README.md.
//    Every error names the JSON path at fault, e.g.
//    `tenants[1].worker: exactly one of "address" or "spawn" is required`.
// Nothing reads the environment or files after loading (a reload,
// gateway/reloader.h, loads a new value). The structs are plain values;
// share them freely once built.
#ifndef MFGATE_GATEWAY_CONFIG_CONFIG_H_
#define MFGATE_GATEWAY_CONFIG_CONFIG_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/tools/catalogue.h"

namespace mfgate::config {

using Environment = std::map<std::string, std::string>;

// A worker the gateway starts itself (local dev mode).
struct SpawnSpec {
  std::string project_dir;   // Absolute; holds dbt_project.yml.
  std::string profiles_dir;  // Absolute.
  std::string target;        // dbt target; empty for the profile's default.
  std::string engine = "persistent";  // "persistent" or "cli".
  std::string mf_path;                // For the cli engine.
  std::string tmp_dir;                // The worker's scratch directory.
  // The user the worker drops to. Empty: the gateway's own user, except
  // that a gateway running as root starts its workers as `nobody`.
  std::string user;
  // The worker's engine pool (its --engines, --engine-queue and
  // --engine-idle-seconds); unset: the worker's default.
  std::optional<long long> engines;
  std::optional<long long> engine_queue;
  std::optional<long long> engine_idle_seconds;
  bool operator==(const SpawnSpec&) const = default;
};

// The engine-pool settings of a spawned worker, each once: its key in a
// `spawn` block, its environment variable, the worker's flag it is passed
// as, and the flag's range (the worker refuses to start outside it).
struct SpawnPoolSetting {
  const char* key;
  const char* env;
  const char* flag;
  long long min, max;
  std::optional<long long> SpawnSpec::*value;
};
inline constexpr SpawnPoolSetting kSpawnPoolSettings[] = {
    {"engines", "MFGATE_ENGINES", "--engines", 0, 32, &SpawnSpec::engines},
    {"engine_queue", "MFGATE_ENGINE_QUEUE", "--engine-queue", 1, 256,
     &SpawnSpec::engine_queue},
    {"engine_idle_seconds", "MFGATE_ENGINE_IDLE_SECONDS",
     "--engine-idle-seconds", 0, 604800, &SpawnSpec::engine_idle_seconds},
};

// What a tenant's tools/list and tools/call serve ("tools" in the JSON
// file; DISABLE_TOOLS, ENABLE_TOOLS and MFGATE_TOOL_NAMING in the
// environment).
struct ToolSettings {
  // Catalogue names of the tools not served: those outside `allow`, if
  // given, and those in `deny` (either named by any of their names).
  std::set<std::string> disabled;
  // The names tools/list shows each tool under: "mfgate", "dbt-mcp",
  // "mcp-metricflow" (every name is accepted in calls regardless).
  std::vector<tools::Naming> naming = {tools::Naming::kMfgate};
  bool operator==(const ToolSettings&) const = default;
};

// How much of a model's context one result may take, in characters
// ("response_budget"; MFGATE_RESPONSE_BUDGET_CHARS): the budget of a call
// that sets none, and the most a call may set.
struct ResponseBudget {
  long long default_chars = tools::kDefaultResponseChars;
  long long max_chars = 100000;
  bool operator==(const ResponseBudget&) const = default;
};

// Bounds on a tenant's queries ("query_limits"; MFGATE_MAX_ROWS,
// MFGATE_QUERY_TIMEOUT_SECONDS): the largest `limit`, and a deadline
// shorter than timeouts.call_seconds (zero: that one) for every call of the
// tenant that reaches its worker, queries and the other engine calls alike.
struct QueryLimits {
  long long max_rows = 10000;
  absl::Duration timeout = absl::ZeroDuration();
  bool operator==(const QueryLimits&) const = default;
};

struct TenantConfig {
  std::string name;
  std::string address;  // A running worker: unix:/path or host:port ...
  // The name the worker's TLS certificate must carry, when it is not the
  // address's host.
  std::string tls_server_name;
  std::optional<SpawnSpec> spawn;  // ... or one to start: exactly one is set.
  std::vector<std::string> api_key_sha256;  // Lowercase hex digests.
  ToolSettings tools;
  ResponseBudget response_budget;
  QueryLimits query_limits;
  // The file more digests were read from (absolute; empty: none): a
  // reload watches it.
  std::string api_key_sha256_file;
  bool operator==(const TenantConfig&) const = default;
};

// Limits on HTTP callers ("limits" in the JSON file; README.md says what
// each answers when it is reached).
struct Limits {
  size_t max_body_bytes = 4u << 20;  // Chunked bodies too: 413.
  int max_sessions_per_tenant = 64;  // Then the LRU idle one is evicted.
  absl::Duration idle_session_timeout = absl::Minutes(30);
  int max_concurrent_calls = 16;    // Per session.
  double requests_per_second = 50;  // Per tenant, with bursts of `burst`.
  double burst = 100;
  int max_auth_failures = 10;  // Per client address and minute.
  // The HTTP server: open connections (503 beyond), threads that answer
  // requests, complete requests waiting for one of them (503 beyond), event
  // streams (each holds a thread of its own: 503 beyond in all, 429 beyond
  // per tenant).
  int max_connections = 1024;
  int http_threads = 128;
  int max_queued_requests = 256;
  int max_event_streams = 512;
  int max_event_streams_per_tenant = 256;
  // A request's line and headers (431 beyond), and the bytes of requests
  // held in memory over all connections while they arrive (503 beyond).
  size_t max_header_bytes = 32u << 10;
  int max_headers = 100;
  size_t max_buffered_request_bytes = 256u << 20;
  // A request must arrive whole within `request_read_timeout` of its first
  // byte (408); an idle kept-alive connection is closed after
  // `keep_alive_idle`; a reply write that makes no progress for
  // `send_timeout` ends its connection.
  absl::Duration request_read_timeout = absl::Seconds(30);
  absl::Duration keep_alive_idle = absl::Seconds(15);
  absl::Duration send_timeout = absl::Seconds(30);
  // How long a session token is valid from its issue (auth/session_token.h):
  // the bound on a DELETE reaching the replicas that did not receive it.
  absl::Duration session_lifetime = absl::Hours(1);
  bool operator==(const Limits&) const = default;
};

// The gateway's client identity for mutual TLS to TCP workers (PEM files).
struct WorkerTls {
  std::string cert, key, ca;
  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
  bool operator==(const WorkerTls&) const = default;
};

struct GatewayConfig {
  std::vector<TenantConfig> tenants;
  std::string worker_binary;  // Empty: found beside the gateway.
  WorkerTls worker_tls;
  absl::Duration call_timeout = absl::Seconds(120);
  absl::Duration list_timeout = absl::Seconds(60);
  absl::Duration worker_start_timeout = absl::Seconds(300);
  Limits limits;
  // A file holding the secret that signs session tokens, shared by the
  // gateway's replicas (absolute; empty: none; see auth/session_token.h).
  std::string session_secret_file;
  // For the HTTP transport (mcp-metricflow's variables).
  std::string http_host = "127.0.0.1";
  int http_port = 8000;
  bool require_auth = false;
  bool operator==(const GatewayConfig&) const = default;
};

// This process's environment.
Environment ProcessEnvironment();

absl::StatusOr<GatewayConfig> LoadConfigFromEnv(const Environment& env);

// Reads and parses a JSON file (at most 1 MiB). Relative paths in it are
// resolved against the file's directory.
absl::StatusOr<GatewayConfig> LoadConfigFile(absl::string_view path,
                                             const Environment& env);

// Parses JSON text; `base_dir` resolves relative paths; `source` names the
// text in errors.
absl::StatusOr<GatewayConfig> ParseConfigJson(absl::string_view text,
                                              absl::string_view base_dir,
                                              absl::string_view source);

// The lowercase hex SHA-256 of `key`.
std::string Sha256Hex(absl::string_view key);

}  // namespace mfgate::config

#endif  // MFGATE_GATEWAY_CONFIG_CONFIG_H_
