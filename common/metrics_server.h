// Serves a MetricsRegistry as Prometheus text at GET /metrics on its own
// HOST:PORT (both binaries' --metrics-listen), apart from the MCP and gRPC
// ports so that scraping needs no API key and reaches no tool. On a loopback
// address, a request whose Host header names another host gets 403 (DNS
// rebinding); a port another server holds fails Start.
// Thread-safety: Start once; the server runs on its own threads until the
// object is destroyed.
#ifndef MFGATE_COMMON_METRICS_SERVER_H_
#define MFGATE_COMMON_METRICS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "common/metrics.h"

namespace httplib {
class Server;
}

namespace mfgate {

class MetricsServer {
 public:
  MetricsServer();
  ~MetricsServer();

  // Binds `listen` (HOST:PORT) and serves `registry` (not owned; must
  // outlive this object).
  absl::Status Start(const std::string& listen,
                     const MetricsRegistry* registry);

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_METRICS_SERVER_H_
