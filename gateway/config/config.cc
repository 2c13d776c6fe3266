#include "gateway/config/config.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_parse.h"
#include "common/paths.h"
#include "gateway/config/config_util.h"
#include "nlohmann/json.hpp"

namespace mfgate::config {
namespace {

using internal::At;
using internal::CheckProjectDir;
using internal::Get;
using internal::ParseLimits;
using internal::ParseNumbers;

using json = nlohmann::json;

constexpr size_t kMaxConfigBytes = 1 << 20;

std::string Resolve(const std::string& path, absl::string_view base_dir) {
  if (path.empty() || path[0] == '/') return path;
  return absl::StrCat(base_dir, "/", path);
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
  if (absl::Status s =
          OnlyKeys(spawn, path,
                   {"project_dir", "profiles_dir", "target", "engine",
                    "mf_path", "tmp_dir", "user", "engines", "engine_queue",
                    "engine_idle_seconds"});
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
                      Field{"tmp_dir", &spec.tmp_dir, false, true},
                      Field{"user", &spec.user, false, false}}) {
    auto value = String(spawn, field.key, path, field.required);
    if (!value.ok()) return value.status();
    if (!value->empty())
      *field.out = field.is_path ? Resolve(*value, base_dir) : *value;
  }
  for (const SpawnPoolSetting& setting : kSpawnPoolSettings) {
    if (!spawn.contains(setting.key)) continue;
    const json& value = spawn[setting.key];
    if (!value.is_number_integer() || value.get<long long>() < setting.min ||
        value.get<long long>() > setting.max) {
      return At(absl::StrCat(path, ".", setting.key),
                absl::StrCat("must be an integer in [", setting.min, ", ",
                             setting.max, "]"));
    }
    spec.*setting.value = value.get<long long>();
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

absl::StatusOr<WorkerTls> ParseWorkerTls(const json& tls,
                                         absl::string_view base_dir) {
  if (absl::Status s = OnlyKeys(tls, "worker_tls", {"cert", "key", "ca"});
      !s.ok()) {
    return s;
  }
  WorkerTls result;
  for (auto [key, out] :
       {std::pair{"cert", &result.cert}, std::pair{"key", &result.key},
        std::pair{"ca", &result.ca}}) {
    auto value = String(tls, key, "worker_tls", true);
    if (!value.ok()) return value.status();
    *out = Resolve(*value, base_dir);
  }
  return result;
}

absl::StatusOr<TenantConfig> ParseTenant(const json& item,
                                         const std::string& path,
                                         absl::string_view base_dir) {
  if (absl::Status s =
          OnlyKeys(item, path,
                   {"name", "worker", "api_key_sha256", "api_key_sha256_file",
                    "tools", "response_budget", "query_limits"});
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
  if (absl::Status s = OnlyKeys(worker, worker_path,
                                {"address", "spawn", "tls_server_name"});
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
    auto server_name = String(worker, "tls_server_name", worker_path, false);
    if (!server_name.ok()) return server_name.status();
    tenant.tls_server_name = *server_name;
  } else {
    auto spawn = ParseSpawn(worker["spawn"], worker_path + ".spawn", base_dir);
    if (!spawn.ok()) return spawn.status();
    tenant.spawn = *spawn;
  }
  auto key_file = String(item, "api_key_sha256_file", path, false);
  if (!key_file.ok()) return key_file.status();
  if (!key_file->empty()) {
    tenant.api_key_sha256_file = Resolve(*key_file, base_dir);
  }
  if (absl::Status s = internal::ParseApiKeyDigests(
          item, path, tenant.api_key_sha256_file, &tenant.api_key_sha256);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = internal::ParseTenantTools(item, path, &tenant);
      !s.ok()) {
    return s;
  }
  return tenant;
}

absl::Status ParseTimeouts(const json& timeouts, GatewayConfig* config) {
  auto seconds = [](absl::Duration* out) {
    return [out](double value) { *out = absl::Seconds(value); };
  };
  return ParseNumbers(
      timeouts, "timeouts",
      {{"call_seconds", 0.001, 86400, seconds(&config->call_timeout)},
       {"list_seconds", 0.001, 86400, seconds(&config->list_timeout)},
       {"worker_start_seconds", 0.001, 86400,
        seconds(&config->worker_start_timeout)}});
}

}  // namespace

absl::StatusOr<GatewayConfig> ParseConfigJson(absl::string_view text,
                                              absl::string_view base_dir,
                                              absl::string_view source) {
  size_t error_byte = 0;
  absl::StatusOr<json> parsed =
      ParseJson(text, {kMaxConfigBytes, kMaxJsonDepth}, &error_byte);
  if (!parsed.ok()) {
    if (error_byte == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", parsed.status().message()));
    }
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < error_byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", line, ":", column, ": ", parsed.status().message()));
  }
  const json& root = *parsed;
  if (absl::Status s =
          OnlyKeys(root, "(top level)",
                   {"tenants", "timeouts", "limits", "worker_binary",
                    "worker_tls", "session_secret_file"});
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
  if (root.contains("limits")) {
    if (absl::Status s = ParseLimits(root["limits"], &config.limits); !s.ok())
      return fail(s);
  }
  if (root.contains("timeouts")) {
    if (absl::Status s = ParseTimeouts(root["timeouts"], &config); !s.ok())
      return fail(s);
  }
  if (root.contains("worker_tls")) {
    auto tls = ParseWorkerTls(root["worker_tls"], base_dir);
    if (!tls.ok()) return fail(tls.status());
    config.worker_tls = *tls;
  }
  if (root.contains("session_secret_file")) {
    if (!root["session_secret_file"].is_string())
      return fail(At("session_secret_file", "must be a string"));
    config.session_secret_file =
        Resolve(root["session_secret_file"].get<std::string>(), base_dir);
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
  auto text = ReadFileUpTo(std::string(path), kMaxConfigBytes);
  if (absl::IsOutOfRange(text.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 1 MiB"));
  }
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read config file '", path, "'"));
  }
  char resolved[PATH_MAX];
  std::string absolute = realpath(std::string(path).c_str(), resolved)
                             ? resolved
                             : std::string(path);
  std::string base_dir = absolute.substr(0, absolute.rfind('/'));
  auto config = ParseConfigJson(*text, base_dir.empty() ? "/" : base_dir, path);
  if (!config.ok()) return config;
  // The HTTP settings still come from mcp-metricflow's variables.
  if (absl::Status s = internal::ApplyHttpEnvironment(env, &*config); !s.ok())
    return s;
  return config;
}

}  // namespace mfgate::config
