#include "worker/engine/confinement.h"

#include <sys/stat.h>

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_parse.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/subprocess.h"
#include "nlohmann/json.hpp"

namespace mfgate::engine {
namespace {

// Read-only system locations every Python program needs (libraries,
// certificates, time zones, /proc/self).
constexpr const char* kSystemReadable[] = {"/usr", "/lib",  "/lib64", "/bin",
                                           "/etc", "/proc", "/sys"};
// The dynamic loader and shared libraries live here.
constexpr const char* kSystemExecutable[] = {"/usr/lib", "/lib64",
                                             "/usr/lib64"};
// The most the describer may print (its own and dbt's output).
constexpr size_t kMaxDescriberOutput = 1 << 20;

// Variables passed through when set: locale, time zone, TLS trust stores.
constexpr const char* kPassedThrough[] = {
    "LANG",          "LC_ALL",       "TZ",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    "PGSSLROOTCERT", "PGSSLMODE",    "PGSERVICEFILE"};

// `dir` and the real directories its files link to: Landlock follows the
// links, so the Bazel runfiles trees need their targets' directories too.
void AddTree(const std::string& dir, std::vector<std::string>* paths) {
  std::set<std::string> seen(paths->begin(), paths->end());
  auto add = [&](const std::string& path) {
    if (seen.insert(path).second) paths->push_back(path);
  };
  add(dir);
  add(RealPath(dir));
  std::vector<std::string> pending = {dir};
  while (!pending.empty()) {
    std::string current = pending.back();
    pending.pop_back();
    for (const std::string& entry : ListDirectory(current)) {
      std::string path = absl::StrCat(current, "/", entry);
      struct stat st;
      if (lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        pending.push_back(path);
      } else if (S_ISLNK(st.st_mode)) {
        add(Dirname(RealPath(path)));
      }
    }
  }
}

// Variables every engine gets, confined or not: no telemetry, and output
// fit to become log events.
constexpr std::pair<const char*, const char*> kEngineVariables[] = {
    {"DO_NOT_TRACK", "1"},
    {"DBT_SEND_ANONYMOUS_USAGE_STATS", "false"},
    // dbt's output becomes log events: no terminal colour codes in them.
    {"DBT_USE_COLORS", "false"},
    {"PYTHONUNBUFFERED", "1"},
    {"PYTHONDONTWRITEBYTECODE", "1"},
    // dbt leaves a semaphore to multiprocessing's tracker, which warns
    // about it on every exit: noise in the worker's log.
    {"PYTHONWARNINGS", "ignore::UserWarning:multiprocessing.resource_tracker"}};

std::vector<std::string> WithEngineVariables(std::vector<std::string> env) {
  for (const auto& [name, value] : kEngineVariables) {
    env = WithEnv(std::move(env), name, value);
  }
  return env;
}

// The environment the engine gets: nothing of the worker's but what dbt and
// the profile need; without the variables only the profile refers to when
// they reach the engine over its pipe (`with_profile_vars` false).
std::vector<std::string> ScrubbedEnvironment(const ConfinementSettings& s,
                                             bool with_profile_vars) {
  std::vector<std::string> env = WithEngineVariables(
      {absl::StrCat("PATH=", Dirname(s.python), ":/usr/bin:/bin"),
       absl::StrCat("HOME=", s.scratch_dir),
       absl::StrCat("TMPDIR=", s.scratch_dir)});
  std::set<std::string> names(std::begin(kPassedThrough),
                              std::end(kPassedThrough));
  for (const auto& file :
       {s.profiles_dir + "/profiles.yml", s.project_dir + "/dbt_project.yml"}) {
    const bool profile = absl::EndsWith(file, "/profiles.yml");
    if (profile && !with_profile_vars) continue;
    // An unreadable file names nothing here; dbt reports it properly when
    // the warehouse is described.
    auto text = ReadFileUpTo(file, 1 << 20);
    if (!text.ok()) continue;
    for (auto& name : ReferencedEnvVars(*text)) names.insert(name);
  }
  names.insert(s.pass_env.begin(), s.pass_env.end());
  for (const std::string& name : names) {
    const char* value = getenv(name.c_str());
    if (value != nullptr) env.push_back(absl::StrCat(name, "=", value));
  }
  if (getenv("LANG") == nullptr) env.push_back("LANG=C.UTF-8");
  return env;
}

sandbox::Policy BasePolicy(const ConfinementSettings& s) {
  sandbox::Policy policy;
  for (const char* path : kSystemReadable) policy.read_paths.push_back(path);
  // The venv (site-packages) and the interpreter's own prefix.
  const std::string venv = Dirname(Dirname(s.python));
  policy.read_paths.push_back(venv);
  policy.read_paths.push_back(Dirname(Dirname(RealPath(s.python))));
  AddTree(s.host_dir, &policy.read_paths);
  AddTree(s.proto_path, &policy.read_paths);
  policy.read_paths.push_back(s.project_dir);
  policy.read_paths.push_back(s.profiles_dir);
  for (const char* path : kSystemExecutable) policy.exec_paths.push_back(path);
  policy.exec_paths.push_back(RealPath(s.python));
  policy.exec_paths.push_back(Dirname(s.python));  // dbt's and mf's scripts.
  policy.write_paths = {s.scratch_dir, "/dev/null",
                        "/dev/shm"};  // shm: Python's semaphores.
  policy.limits = s.limits;
  policy.require_landlock = s.require_landlock;
  policy.file_system = s.file_system;
  return policy;
}

std::vector<std::string> Launcher(const ConfinementSettings& s,
                                  const sandbox::Policy& policy) {
  std::vector<std::string> launcher = {s.sandbox};
  for (auto& arg : sandbox::ToArgs(policy)) launcher.push_back(arg);
  launcher.push_back("--");
  return launcher;
}

// What the describer said went wrong: its one-line summary (its last line,
// {"error": "..."}) when it gave one, else the end of its output.
std::string DescriberError(absl::string_view last, const std::string& output) {
  absl::StatusOr<nlohmann::json> said =
      ParseJson(last, {kMaxDescriberOutput, kMaxJsonDepth});
  if (said.ok() && said->is_object()) {
    auto error = said->find("error");
    if (error != said->end() && error->is_string()) {
      return error->get<std::string>();
    }
  }
  return output.size() > 2000 ? output.substr(output.size() - 2000) : output;
}

absl::StatusOr<Warehouse> DescribeWarehouse(
    const ConfinementSettings& s, const std::vector<std::string>& env) {
  SpawnOptions spawn;
  spawn.argv = Launcher(s, BasePolicy(s));
  for (const auto& arg :
       {s.python, std::string("-B"), s.host_dir + "/describe_warehouse.py",
        std::string("--project-dir"), s.project_dir,
        std::string("--profiles-dir"), s.profiles_dir, std::string("--target"),
        s.target}) {
    spawn.argv.push_back(arg);
  }
  spawn.env = env;
  spawn.cwd = s.project_dir;
  auto run = RunCapturingOutput(
      std::move(spawn), absl::Now() + s.describe_timeout, kMaxDescriberOutput);
  if (!run.ok()) return run.status();
  // The answer is the last line; what precedes it is dbt's own output.
  std::string output = run->output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  const absl::string_view last =
      absl::string_view(output).substr(output.rfind('\n') + 1);
  absl::StatusOr<Warehouse> found =
      run->exit.exit_code == 0
          ? ParseWarehouse(last)
          : absl::InvalidArgumentError(run->exit.ToString());
  if (!found.ok()) {
    // The whole output (a traceback) is for the log; the caller gets the
    // describer's one-line summary.
    LogWarning(absl::StrCat("describe_warehouse.py: ", output));
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the dbt project or profile (", found.status().message(),
        "): ", DescriberError(last, output)));
  }
  return found;
}

}  // namespace

std::vector<std::string> UnconfinedEnvironment(const std::string& python) {
  const char* path = getenv("PATH");
  return WithEngineVariables(
      WithEnv(CurrentEnvironment(), "PATH",
              absl::StrCat(Dirname(python), ":",
                           path != nullptr ? path : "/usr/bin:/bin")));
}

std::vector<std::string> ReferencedEnvVars(const std::string& text) {
  std::vector<std::string> names;
  for (size_t at = text.find("env_var"); at != std::string::npos;
       at = text.find("env_var", at + 1)) {
    size_t i = at + 7;
    while (i < text.size() && (text[i] == ' ' || text[i] == '(')) ++i;
    if (i >= text.size() || (text[i] != '\'' && text[i] != '"')) continue;
    size_t end = text.find(text[i], i + 1);
    if (end == std::string::npos) continue;
    std::string name = text.substr(i + 1, end - i - 1);
    bool valid = !name.empty() && name.size() < 256;
    for (char c : name) valid = valid && (isalnum(c) || c == '_');
    if (valid) names.push_back(name);
  }
  return names;
}

absl::StatusOr<Confinement> PrepareConfinement(
    const ConfinementSettings& settings) {
  Confinement result;
  result.env = ScrubbedEnvironment(settings, !settings.profile_over_pipe);
  // The describer reads the profile itself (it runs no query).
  auto warehouse =
      DescribeWarehouse(settings, ScrubbedEnvironment(settings, true));
  if (!warehouse.ok()) return warehouse.status();
  // The project is only read: dbt writes its artifacts and logs under the
  // scratch directory (the host passes --target-path and --log-path; the cli
  // engine sets DBT_LOG_PATH), so a read-only project works.
  sandbox::Policy policy = BasePolicy(settings);
  if (warehouse->type == "duckdb") {
    // DuckDB writes its file and, when it changes data, a write-ahead log
    // beside it. A file in a directory of its own gets that directory;
    // a file among the project's sources gets only itself, so the engine
    // cannot rewrite the project (queries never write to DuckDB).
    const std::string& file = warehouse->path;
    const std::string dir = Dirname(file);
    const bool shares_project =
        absl::StartsWith(settings.project_dir + "/", dir + "/") ||
        absl::StartsWith(settings.profiles_dir + "/", dir + "/");
    if (!file.empty() && settings.read_only_warehouse) {
      policy.read_paths.push_back(file);
      policy.read_paths.push_back(file + ".wal");
    } else if (!file.empty()) {
      policy.write_paths.push_back(shares_project ? file : dir);
      if (shares_project) policy.write_paths.push_back(file + ".wal");
    }
    policy.network = sandbox::Network::kNone;
    result.warehouse = absl::StrCat("duckdb file ", file);
  } else {
    policy.network = sandbox::Network::kTcp;
    policy.tcp_connect_ports = settings.warehouse_ports;
    if (policy.tcp_connect_ports.empty() && warehouse->port != 0) {
      policy.tcp_connect_ports.push_back(warehouse->port);
    }
    if (policy.tcp_connect_ports.empty()) policy.tcp_connect_ports = {443};
    result.warehouse =
        absl::StrCat(warehouse->type, " ", warehouse->host, " tcp ports");
    for (uint16_t port : policy.tcp_connect_ports) {
      absl::StrAppend(&result.warehouse, " ", port);
    }
  }
  if (settings.profile_over_pipe) {
    // Not the profiles directory, and not the profile wherever a read path
    // holds it (the project, say).
    if (settings.profiles_dir != settings.project_dir) {
      std::erase(policy.read_paths, settings.profiles_dir);
    }
    sandbox::HidePath(&policy,
                      RealPath(settings.profiles_dir + "/profiles.yml"));
  }
  result.launcher = Launcher(settings, policy);
  result.policy = std::move(policy);
  return result;
}

absl::StatusOr<Warehouse> ParseWarehouse(absl::string_view line) {
  absl::StatusOr<nlohmann::json> parsed =
      ParseJson(line, {kMaxDescriberOutput, kMaxJsonDepth});
  if (!parsed.ok())
    return absl::InvalidArgumentError(parsed.status().message());
  const nlohmann::json& found = *parsed;
  if (!found.is_object()) {
    return absl::InvalidArgumentError("the answer is not a JSON object");
  }
  Warehouse warehouse;
  struct Text {
    const char* key;
    std::string* out;
    bool required;
  };
  for (const Text& text : {Text{"type", &warehouse.type, true},
                           Text{"path", &warehouse.path, false},
                           Text{"host", &warehouse.host, false}}) {
    auto value = found.find(text.key);
    if (value == found.end() && !text.required) continue;
    if (value == found.end() || !value->is_string() ||
        (text.required && value->get_ref<const std::string&>().empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text.key, "\" must be a",
                       text.required ? " non-empty" : "", " string"));
    }
    *text.out = value->get<std::string>();
  }
  if (auto port = found.find("port"); port != found.end()) {
    if (!port->is_number_unsigned() || port->get<uint64_t>() < 1 ||
        port->get<uint64_t>() > 65535) {
      return absl::InvalidArgumentError("\"port\" must be 1 to 65535");
    }
    warehouse.port = static_cast<uint16_t>(port->get<uint64_t>());
  }
  return warehouse;
}

}  // namespace mfgate::engine
