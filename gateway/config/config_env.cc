#include <limits.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/config/config.h"
#include "gateway/config/config_util.h"

extern char** environ;

namespace mfgate::config {
namespace internal {

absl::Status At(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string Get(const Environment& env, const std::string& name,
                const std::string& fallback) {
  auto found = env.find(name);
  return found != env.end() && !found->second.empty() ? found->second
                                                      : fallback;
}

absl::Status CheckProjectDir(absl::string_view where, const std::string& dir) {
  if (access((dir + "/dbt_project.yml").c_str(), R_OK) != 0) {
    return At(
        where,
        absl::StrCat("'", dir,
                     "' is not a dbt project (no readable dbt_project.yml)"));
  }
  return absl::OkStatus();
}

absl::Status ApplyHttpEnvironment(const Environment& env,
                                  GatewayConfig* config) {
  config->http_host = Get(env, "MCP_HOST", "127.0.0.1");
  std::string port = Get(env, "MCP_PORT", "8000");
  if (!absl::SimpleAtoi(port, &config->http_port) || config->http_port <= 0 ||
      config->http_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("MCP_PORT must be a port number, not '", port, "'"));
  }
  std::string require =
      absl::AsciiStrToLower(Get(env, "MCP_REQUIRE_AUTH", "false"));
  config->require_auth = require == "true" || require == "1" ||
                         require == "yes" || require == "on";
  return absl::OkStatus();
}

}  // namespace internal

using internal::ApplyHttpEnvironment;
using internal::CheckProjectDir;
using internal::Get;

std::string Sha256Hex(absl::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
         digest);
  std::string hex;
  for (unsigned char byte : digest) absl::StrAppendFormat(&hex, "%02x", byte);
  return hex;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != absl::string_view::npos) {
      env[std::string(text.substr(0, equals))] =
          std::string(text.substr(equals + 1));
    }
  }
  return env;
}

absl::StatusOr<GatewayConfig> LoadConfigFromEnv(const Environment& env) {
  GatewayConfig config;
  const std::string home = Get(env, "HOME", "/root");
  SpawnSpec spawn;
  spawn.project_dir = Get(env, "DBT_PROJECT_DIR");
  if (spawn.project_dir.empty()) {
    return absl::InvalidArgumentError(
        "DBT_PROJECT_DIR is not set: point it at a dbt project (or pass "
        "--config FILE)");
  }
  char resolved[PATH_MAX];
  if (realpath(spawn.project_dir.c_str(), resolved) != nullptr)
    spawn.project_dir = resolved;
  if (absl::Status s = CheckProjectDir("DBT_PROJECT_DIR", spawn.project_dir);
      !s.ok())
    return s;
  spawn.profiles_dir = Get(env, "DBT_PROFILES_DIR", home + "/.dbt");
  if (realpath(spawn.profiles_dir.c_str(), resolved) != nullptr)
    spawn.profiles_dir = resolved;
  spawn.mf_path = Get(env, "MF_PATH");
  spawn.tmp_dir = Get(env, "MF_TMP_DIR");
  spawn.target = Get(env, "MFGATE_TARGET");
  spawn.user = Get(env, "MFGATE_WORKER_USER");
  spawn.engine = Get(env, "MFGATE_ENGINE", "persistent");
  if (spawn.engine != "persistent" && spawn.engine != "cli") {
    return absl::InvalidArgumentError(
        "MFGATE_ENGINE must be \"persistent\" or \"cli\"");
  }
  for (const SpawnPoolSetting& setting : kSpawnPoolSettings) {
    const std::string value = Get(env, setting.env);
    if (value.empty()) continue;
    long long number = 0;
    if (!absl::SimpleAtoi(value, &number) || number < setting.min ||
        number > setting.max) {
      return absl::InvalidArgumentError(
          absl::StrCat(setting.env, " must be an integer in [", setting.min,
                       ", ", setting.max, "], not '", value, "'"));
    }
    spawn.*setting.value = number;
  }
  TenantConfig tenant;
  tenant.name = "default";
  tenant.spawn = spawn;
  config.worker_binary = Get(env, "MFGATE_WORKER_BINARY");
  if (absl::Status s = ApplyHttpEnvironment(env, &config); !s.ok()) return s;
  // As in mcp-metricflow, the key is enforced only when MCP_REQUIRE_AUTH is on.
  if (config.require_auth && !Get(env, "MCP_API_KEY").empty()) {
    tenant.api_key_sha256.push_back(Sha256Hex(Get(env, "MCP_API_KEY")));
  }
  if (absl::Status s = internal::ApplyToolEnvironment(env, &tenant); !s.ok())
    return s;
  config.tenants.push_back(std::move(tenant));
  return config;
}

}  // namespace mfgate::config
