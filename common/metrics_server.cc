#include "common/metrics_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/listen_socket.h"
#include "common/loopback.h"
#include "httplib.h"

namespace mfgate {

MetricsServer::MetricsServer() : server_(std::make_unique<httplib::Server>()) {
  // A second server on a taken port fails instead of sharing it.
  server_->set_socket_options(SetExclusiveListenOptions);
}

MetricsServer::~MetricsServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::Status MetricsServer::Start(const std::string& listen,
                                  const MetricsRegistry* registry) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen must be HOST:PORT, not '", listen, "'"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[')
    host = host.substr(1, host.size() - 2);
  // On loopback, a request must name loopback in its Host header: a page
  // whose name a rebinding DNS resolves to 127.0.0.1 cannot scrape it.
  const bool loopback = IsLoopbackAddress(host);
  server_->Get("/metrics", [registry, loopback](const httplib::Request& request,
                                                httplib::Response& response) {
    if (loopback && request.has_header("Host") &&
        !IsLoopbackHostHeader(request.get_header_value("Host"))) {
      response.status = 403;
      response.set_content(
          "Forbidden: Host header does not name this "
          "loopback server\n",
          "text/plain");
      return;
    }
    response.set_content(registry->Render(), kMetricsContentType);
  });
  if (!server_->bind_to_port(host.c_str(), port)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, " for /metrics"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return absl::OkStatus();
}

}  // namespace mfgate
