#include "gateway/config/config.h"

#include <limits.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace mfgate::config {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxConfigBytes = 1 << 20;

absl::Status At(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string Get(const Environment& env, const std::string& name,
                const std::string& fallback = "") {
  auto found = env.find(name);
  return found != env.end() && !found->second.empty() ? found->second
                                                      : fallback;
}

std::string Resolve(const std::string& path, absl::string_view base_dir) {
  if (path.empty() || path[0] == '/') return path;
  return absl::StrCat(base_dir, "/", path);
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

bool ValidTenantName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = absl::ascii_islower(c) || absl::ascii_isdigit(c) ||
              (i > 0 && (c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

bool ValidAddress(const std::string& address) {
  if (absl::StartsWith(address, "unix:"))
    return address.size() > 6 && address[5] == '/';
  absl::string_view rest = address;
  if (absl::StartsWith(rest, "dns:") || absl::StartsWith(rest, "ipv4:") ||
      absl::StartsWith(rest, "ipv6:")) {
    return true;
  }
  size_t colon = rest.rfind(':');
  int port;
  return colon != absl::string_view::npos && colon > 0 &&
         absl::SimpleAtoi(rest.substr(colon + 1), &port) && port > 0 &&
         port < 65536;
}

// Rejects keys of `object` outside `allowed`.
absl::Status OnlyKeys(const json& object, absl::string_view path,
                      std::initializer_list<const char*> allowed) {
  if (!object.is_object()) return At(path, "must be an object");
  for (const auto& item : object.items()) {
    bool known = false;
    for (const char* key : allowed) known = known || item.key() == key;
    if (!known) return At(absl::StrCat(path, ".", item.key()), "unknown key");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> String(const json& object, const char* key,
                                   absl::string_view path, bool required) {
  if (!object.contains(key)) {
    if (required) return At(absl::StrCat(path, ".", key), "is required");
    return std::string();
  }
  if (!object[key].is_string())
    return At(absl::StrCat(path, ".", key), "must be a string");
  return object[key].get<std::string>();
}

absl::StatusOr<SpawnSpec> ParseSpawn(const json& spawn, const std::string& path,
                                     absl::string_view base_dir) {
  if (absl::Status s = OnlyKeys(spawn, path,
                                {"project_dir", "profiles_dir", "target",
                                 "engine", "mf_path", "tmp_dir"});
      !s.ok()) {
    return s;
  }
  SpawnSpec spec;
  struct Field {
    const char* key;
    std::string* out;
    bool required;
    bool is_path;
  };
  for (Field field : {Field{"project_dir", &spec.project_dir, true, true},
                      Field{"profiles_dir", &spec.profiles_dir, false, true},
                      Field{"target", &spec.target, false, false},
                      Field{"engine", &spec.engine, false, false},
                      Field{"mf_path", &spec.mf_path, false, true},
                      Field{"tmp_dir", &spec.tmp_dir, false, true}}) {
    auto value = String(spawn, field.key, path, field.required);
    if (!value.ok()) return value.status();
    if (!value->empty())
      *field.out = field.is_path ? Resolve(*value, base_dir) : *value;
  }
  if (spec.profiles_dir.empty()) spec.profiles_dir = spec.project_dir;
  if (spec.engine != "persistent" && spec.engine != "cli") {
    return At(path + ".engine", "must be \"persistent\" or \"cli\"");
  }
  if (absl::Status s = CheckProjectDir(path + ".project_dir", spec.project_dir);
      !s.ok())
    return s;
  return spec;
}

absl::StatusOr<TenantConfig> ParseTenant(const json& item,
                                         const std::string& path,
                                         absl::string_view base_dir) {
  if (absl::Status s =
          OnlyKeys(item, path, {"name", "worker", "api_key_sha256"});
      !s.ok()) {
    return s;
  }
  TenantConfig tenant;
  auto name = String(item, "name", path, true);
  if (!name.ok()) return name.status();
  if (!ValidTenantName(*name)) {
    return At(path + ".name", "must match [a-z0-9][a-z0-9_-]{0,62}");
  }
  tenant.name = *name;
  const std::string worker_path = path + ".worker";
  if (!item.contains("worker")) return At(worker_path, "is required");
  const json& worker = item["worker"];
  if (absl::Status s = OnlyKeys(worker, worker_path, {"address", "spawn"});
      !s.ok())
    return s;
  if (worker.contains("address") == worker.contains("spawn")) {
    return At(worker_path,
              "exactly one of \"address\" or \"spawn\" is required");
  }
  if (worker.contains("address")) {
    auto address = String(worker, "address", worker_path, true);
    if (!address.ok()) return address.status();
    if (!ValidAddress(*address)) {
      return At(worker_path + ".address",
                "must be unix:/absolute/path, host:port, or a dns:/ipv4:/ipv6: "
                "target");
    }
    tenant.address = *address;
  } else {
    auto spawn = ParseSpawn(worker["spawn"], worker_path + ".spawn", base_dir);
    if (!spawn.ok()) return spawn.status();
    tenant.spawn = *spawn;
  }
  if (item.contains("api_key_sha256")) {
    const json& keys = item["api_key_sha256"];
    if (!keys.is_array())
      return At(path + ".api_key_sha256", "must be an array");
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string where = absl::StrCat(path, ".api_key_sha256[", i, "]");
      if (!keys[i].is_string() || keys[i].get<std::string>().size() != 64 ||
          keys[i].get<std::string>().find_first_not_of("0123456789abcdef") !=
              std::string::npos) {
        return At(
            where,
            "must be 64 lowercase hex digits (mfgate hash-key prints one)");
      }
      tenant.api_key_sha256.push_back(keys[i].get<std::string>());
    }
  }
  return tenant;
}

absl::Status ParseTimeouts(const json& timeouts, GatewayConfig* config) {
  if (absl::Status s =
          OnlyKeys(timeouts, "timeouts",
                   {"call_seconds", "list_seconds", "worker_start_seconds"});
      !s.ok()) {
    return s;
  }
  struct Field {
    const char* key;
    absl::Duration* out;
  };
  for (Field field :
       {Field{"call_seconds", &config->call_timeout},
        Field{"list_seconds", &config->list_timeout},
        Field{"worker_start_seconds", &config->worker_start_timeout}}) {
    if (!timeouts.contains(field.key)) continue;
    const json& value = timeouts[field.key];
    if (!value.is_number() || value.get<double>() <= 0 ||
        value.get<double>() > 86400) {
      return At(absl::StrCat("timeouts.", field.key),
                "must be a number of seconds in (0, 86400]");
    }
    *field.out = absl::Seconds(value.get<double>());
  }
  return absl::OkStatus();
}

// MCP_HOST, MCP_PORT and MCP_REQUIRE_AUTH, as mcp-metricflow reads them.
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

}  // namespace

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
  spawn.engine = Get(env, "MFGATE_ENGINE", "persistent");
  if (spawn.engine != "persistent" && spawn.engine != "cli") {
    return absl::InvalidArgumentError(
        "MFGATE_ENGINE must be \"persistent\" or \"cli\"");
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
  config.tenants.push_back(std::move(tenant));
  return config;
}

absl::StatusOr<GatewayConfig> ParseConfigJson(absl::string_view text,
                                              absl::string_view base_dir,
                                              absl::string_view source) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& error) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < error.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", line, ":", column, ": invalid JSON"));
  }
  if (absl::Status s = OnlyKeys(root, "(top level)",
                                {"tenants", "timeouts", "worker_binary"});
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
  }
  GatewayConfig config;
  auto fail = [&](const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
  };
  if (!root.contains("tenants") || !root["tenants"].is_array() ||
      root["tenants"].empty()) {
    return fail(At("tenants", "must be a non-empty array"));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < root["tenants"].size(); ++i) {
    auto tenant = ParseTenant(root["tenants"][i],
                              absl::StrCat("tenants[", i, "]"), base_dir);
    if (!tenant.ok()) return fail(tenant.status());
    if (!names.insert(tenant->name).second) {
      return fail(At(absl::StrCat("tenants[", i, "].name"),
                     absl::StrCat("duplicate tenant '", tenant->name, "'")));
    }
    config.tenants.push_back(std::move(*tenant));
  }
  if (root.contains("timeouts")) {
    if (absl::Status s = ParseTimeouts(root["timeouts"], &config); !s.ok())
      return fail(s);
  }
  if (root.contains("worker_binary")) {
    if (!root["worker_binary"].is_string())
      return fail(At("worker_binary", "must be a string"));
    config.worker_binary =
        Resolve(root["worker_binary"].get<std::string>(), base_dir);
  }
  return config;
}

absl::StatusOr<GatewayConfig> LoadConfigFile(absl::string_view path,
                                             const Environment& env) {
  std::ifstream file{std::string(path)};
  if (!file)
    return absl::NotFoundError(
        absl::StrCat("cannot read config file '", path, "'"));
  std::stringstream text;
  text << file.rdbuf();
  if (text.str().size() > kMaxConfigBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 1 MiB"));
  }
  char resolved[PATH_MAX];
  std::string absolute = realpath(std::string(path).c_str(), resolved)
                             ? resolved
                             : std::string(path);
  std::string base_dir = absolute.substr(0, absolute.rfind('/'));
  auto config =
      ParseConfigJson(text.str(), base_dir.empty() ? "/" : base_dir, path);
  if (!config.ok()) return config;
  // The HTTP settings still come from mcp-metricflow's variables.
  if (absl::Status s = ApplyHttpEnvironment(env, &*config); !s.ok()) return s;
  return config;
}

}  // namespace mfgate::config
