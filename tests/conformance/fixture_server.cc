// A test-only MCP server for the conformance suite: the conformance
// fixtures (fixtures.h) served over Streamable HTTP by mfgate's own protocol
// library and HTTP transport, without authentication, on 127.0.0.1.
// Usage: fixture_server PORT
#include <signal.h>

#include <cstdlib>
#include <memory>

#include "common/log.h"
#include "common/stop_signal.h"
#include "gateway/auth/api_keys.h"
#include "gateway/transport/http_transport.h"
#include "tests/conformance/fixtures.h"

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  signal(SIGPIPE, SIG_IGN);
  mfgate::SetLogProgramName("fixture-server");
  mfgate::conformance::FixtureTools tools;
  mfgate::conformance::FixtureResources resources;
  mfgate::conformance::FixturePrompts prompts;
  mfgate::transport::HttpOptions options;
  options.port = std::atoi(argv[1]);
  options.default_tenant = "fixtures";
  // The suite sends its scenarios back to back, faster than the default
  // per-tenant rate allows; the rate limiter has tests of its own.
  options.limits.requests_per_second = 1e6;
  options.limits.burst = 1e6;
  mfgate::auth::ApiKeys no_keys{mfgate::config::GatewayConfig()};
  mfgate::mcp::SessionOptions session;
  session.server_name = "mfgate-conformance-fixtures";
  session.server_version = "0.1.0";
  // The tenant's identity, which owns its tasks (gateway/mcp/tasks.h).
  auto tenant = std::make_shared<int>(0);
  mfgate::transport::HttpTransport server(
      options, &no_keys,
      [&](const std::string &) {
        return mfgate::mcp::Handlers{&tools, &resources, &prompts, &prompts,
                                     tenant};
      },
      session, [](const std::string &, nlohmann::json *) { return true; });
  mfgate::StopSignal stop;
  if (!server.Start().ok()) return 1;
  stop.Wait();
  server.Stop();
  return 0;
}
