#include "gateway/main_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, config, "",
          "JSON configuration file with tenants (default: one tenant from "
          "DBT_PROJECT_DIR / DBT_PROFILES_DIR)");
ABSL_FLAG(std::string, transport, "stdio", "stdio or http");
ABSL_FLAG(std::string, tenant, "",
          "tenant served over stdio (default: the only one)");
ABSL_FLAG(std::string, listen, "",
          "HOST:PORT for --transport http (default: $MCP_HOST:$MCP_PORT, else "
          "127.0.0.1:8000)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve HTTPS (with --tls-key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(bool, allow_unauthenticated_remote, false,
          "serve HTTP without API keys on a non-loopback address");
ABSL_FLAG(std::string, worker_binary, "",
          "mfgate-worker to spawn (default: $MFGATE_WORKER_BINARY, else beside "
          "mfgate)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(std::string, log_format, "text",
          "text or json (one object per line)");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus /metrics on (default: none)");
ABSL_FLAG(std::string, worker_tls_cert, "",
          "PEM client certificate for mutual TLS to TCP workers (overrides "
          "worker_tls.cert of --config)");
ABSL_FLAG(std::string, worker_tls_key, "",
          "PEM private key of --worker-tls-cert");
ABSL_FLAG(std::string, worker_tls_ca, "",
          "PEM CA bundle that signs the workers' certificates");
ABSL_FLAG(double, drain_seconds, 20,
          "on SIGTERM over HTTP: how long calls in flight may finish before "
          "they are cancelled");
