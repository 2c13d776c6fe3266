#include "gateway/reloader.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"

namespace mfgate {
namespace {

bool HasKeys(const config::GatewayConfig& config) {
  for (const config::TenantConfig& tenant : config.tenants) {
    if (!tenant.api_key_sha256.empty()) return true;
  }
  return false;
}

// Settings read once at start, by name.
struct StartSetting {
  const char* name;
  bool (*same)(const config::GatewayConfig&, const config::GatewayConfig&);
};
constexpr StartSetting kStartSettings[] = {
    {"limits",
     [](const auto& a, const auto& b) { return a.limits == b.limits; }},
    {"timeouts",
     [](const auto& a, const auto& b) {
       return a.call_timeout == b.call_timeout &&
              a.list_timeout == b.list_timeout &&
              a.worker_start_timeout == b.worker_start_timeout;
     }},
    {"worker_tls",
     [](const auto& a, const auto& b) { return a.worker_tls == b.worker_tls; }},
    {"worker_binary",
     [](const auto& a, const auto& b) {
       return a.worker_binary == b.worker_binary;
     }},
    {"session_secret_file",
     [](const auto& a, const auto& b) {
       return a.session_secret_file == b.session_secret_file;
     }},
};

// What a file is now: its identity, size and modification time (following
// symbolic links), or that it cannot be read.
std::string FileSignature(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return absl::StrCat(path, ":missing;");
  return absl::StrCat(path, ":", st.st_dev, ":", st.st_ino, ":", st.st_size,
                      ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ";");
}

}  // namespace

absl::Status CheckReload(const config::GatewayConfig& current,
                         const config::GatewayConfig& next) {
  if (HasKeys(current) != HasKeys(next)) {
    return absl::FailedPreconditionError(
        "a reload cannot turn API keys on or off (restart to change it)");
  }
  if (!HasKeys(next) &&
      (next.tenants.size() != 1 ||
       next.tenants.front().name != current.tenants.front().name)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "without API keys the gateway serves its one tenant, '",
        current.tenants.front().name, "': a reload cannot change it"));
  }
  return absl::OkStatus();
}

std::vector<std::string> ChangedAtRestart(const config::GatewayConfig& current,
                                          const config::GatewayConfig& next) {
  std::vector<std::string> changed;
  for (const StartSetting& setting : kStartSettings) {
    if (!setting.same(current, next)) changed.push_back(setting.name);
  }
  return changed;
}

Reloader::Reloader(config::GatewayConfig current, std::string config_file,
                   Load load, Apply apply, absl::Duration poll)
    : config_file_(std::move(config_file)),
      load_(std::move(load)),
      apply_(std::move(apply)),
      poll_(poll),
      current_(std::move(current)) {
  {
    absl::MutexLock lock(&mu_);
    seen_ = Signature();
  }
  thread_ = std::thread([this] { Run(); });
}

Reloader::~Reloader() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void Reloader::Request() {
  absl::MutexLock lock(&mu_);
  requested_ = true;
}

std::string Reloader::Signature() const {
  std::string signature;
  if (config_file_.empty()) return signature;
  absl::StrAppend(&signature, FileSignature(config_file_));
  for (const config::TenantConfig& tenant : current_.tenants) {
    if (!tenant.api_key_sha256_file.empty()) {
      absl::StrAppend(&signature, FileSignature(tenant.api_key_sha256_file));
    }
  }
  if (!current_.session_secret_file.empty()) {
    absl::StrAppend(&signature, FileSignature(current_.session_secret_file));
  }
  return signature;
}

void Reloader::Run() {
  while (true) {
    std::string why;
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return requested_ || stopping_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), poll_);
      if (stopping_) return;
      std::string now = Signature();
      if (requested_) {
        why = "SIGHUP";
      } else if (now != seen_) {
        why = "a configuration file changed";
      }
      requested_ = false;
      seen_ = std::move(now);
    }
    if (!why.empty()) Reload(why);
  }
}

void Reloader::Reload(const std::string& why) {
  absl::StatusOr<config::GatewayConfig> next = load_();
  config::GatewayConfig current;
  {
    absl::MutexLock lock(&mu_);
    current = current_;
  }
  absl::Status checked =
      next.ok() ? CheckReload(current, *next) : next.status();
  if (!checked.ok()) {
    LogError(absl::StrCat(
        "configuration reload (", why,
        ") refused, the current configuration is kept: ", checked.message()));
    return;
  }
  if (std::vector<std::string> later = ChangedAtRestart(current, *next);
      !later.empty()) {
    LogWarning(
        absl::StrCat("configuration reload: ", absl::StrJoin(later, ", "),
                     " changed; applied at the next start"));
  }
  absl::Status applied = apply_(current, *next);
  {
    absl::MutexLock lock(&mu_);
    current_ = std::move(*next);
    // The files the new configuration names are watched from now on.
    seen_ = Signature();
  }
  if (!applied.ok()) {
    LogError(absl::StrCat("configuration reload (", why,
                          ") applied in part: ", applied.message()));
    return;
  }
  LogInfo(absl::StrCat("configuration reloaded (", why, ")"));
}

}  // namespace mfgate
