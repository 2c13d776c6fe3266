// Helpers shared by the configuration's two sources (config.cc for JSON
// files, config_env.cc for the environment). Internal to gateway/config.
#ifndef MFGATE_GATEWAY_CONFIG_CONFIG_UTIL_H_
#define MFGATE_GATEWAY_CONFIG_CONFIG_UTIL_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/config/config.h"
#include "nlohmann/json.hpp"

namespace mfgate::config::internal {

// An InvalidArgument status "<path>: <what>".
absl::Status At(absl::string_view path, absl::string_view what);

// The value of `name` in `env`, or `fallback` when unset or empty.
std::string Get(const Environment& env, const std::string& name,
                const std::string& fallback = "");

// Fails unless `dir` holds a readable dbt_project.yml.
absl::Status CheckProjectDir(absl::string_view where, const std::string& dir);

// MCP_HOST, MCP_PORT and MCP_REQUIRE_AUTH, as mcp-metricflow reads them.
absl::Status ApplyHttpEnvironment(const Environment& env,
                                  GatewayConfig* config);

// Appends the digests of `tenant` (the JSON object at `path`): its
// "api_key_sha256" array and, when `file` is not empty, the lines of `file`.
absl::Status ParseApiKeyDigests(const nlohmann::json& tenant,
                                const std::string& path,
                                const std::string& file,
                                std::vector<std::string>* out);

// One key of a section of bounded numbers (e.g. "timeouts", "limits").
struct NumberField {
  const char* key;
  double min, max;
  std::function<void(double)> set;
};

// Sets the fields of `section` (the JSON object at `path`); an unknown key or
// a value outside its field's range is an error naming its path
// (config_limits.cc).
absl::Status ParseNumbers(const nlohmann::json& section,
                          const std::string& path,
                          const std::vector<NumberField>& fields);

// The "limits" section (config_limits.cc).
absl::Status ParseLimits(const nlohmann::json& section, Limits* limits);

// A tenant's "tools", "response_budget" and "query_limits" (the JSON object
// at `path`), into `tenant` (config_tools.cc).
absl::Status ParseTenantTools(const nlohmann::json& item,
                              const std::string& path, TenantConfig* tenant);

// The same settings from the environment (DISABLE_TOOLS, ENABLE_TOOLS, ...).
absl::Status ApplyToolEnvironment(const Environment& env, TenantConfig* tenant);

}  // namespace mfgate::config::internal

#endif  // MFGATE_GATEWAY_CONFIG_CONFIG_UTIL_H_
