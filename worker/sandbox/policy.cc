#include "worker/sandbox/policy.h"

#include <dirent.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mfgate::sandbox {
namespace {

struct LimitField {
  const char* flag;
  uint64_t Limits::*field;
};

constexpr LimitField kLimitFields[] = {
    {"--limit-address-space", &Limits::address_space_bytes},
    {"--limit-cpu-seconds", &Limits::cpu_seconds},
    {"--limit-open-files", &Limits::open_files},
    {"--limit-file-size", &Limits::file_size_bytes},
    {"--limit-processes", &Limits::processes},
};

// Whether `path` is `dir` or lies beneath it.
bool IsWithin(const std::string& path, const std::string& dir) {
  return path == dir || (absl::StartsWith(path, dir) &&
                         (dir.back() == '/' || path[dir.size()] == '/'));
}

}  // namespace

void HidePath(Policy* policy, const std::string& hidden) {
  std::vector<std::string> read;
  std::vector<std::string> pending;  // Directories that lead to `hidden`.
  for (const std::string& path : policy->read_paths) {
    if (IsWithin(hidden, path) && path != hidden) {
      pending.push_back(path);
    } else if (path != hidden) {
      read.push_back(path);
    }
  }
  while (!pending.empty()) {
    const std::string dir = pending.back();
    pending.pop_back();
    policy->list_paths.push_back(dir);
    DIR* stream = opendir(dir.c_str());
    if (stream == nullptr) continue;  // Then nothing beneath is granted.
    while (const dirent* entry = readdir(stream)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      const std::string child =
          absl::StrCat(dir, dir.back() == '/' ? "" : "/", name);
      if (child == hidden) continue;
      (IsWithin(hidden, child) ? pending : read).push_back(child);
    }
    closedir(stream);
  }
  policy->read_paths = std::move(read);
}

std::vector<std::string> ToArgs(const Policy& policy) {
  std::vector<std::string> args;
  for (const auto& path : policy.read_paths)
    args.insert(args.end(), {"--read", path});
  for (const auto& path : policy.list_paths)
    args.insert(args.end(), {"--list", path});
  for (const auto& path : policy.write_paths)
    args.insert(args.end(), {"--write", path});
  for (const auto& path : policy.exec_paths)
    args.insert(args.end(), {"--exec", path});
  args.insert(args.end(),
              {"--network", policy.network == Network::kNone ? "none" : "tcp"});
  for (uint16_t port : policy.tcp_connect_ports) {
    args.insert(args.end(), {"--tcp-connect", absl::StrCat(port)});
  }
  for (const auto& limit : kLimitFields) {
    args.insert(args.end(),
                {limit.flag, absl::StrCat(policy.limits.*limit.field)});
  }
  if (policy.file_system == FileSystem::kMounts) {
    args.insert(args.end(), {"--file-system", "mounts"});
  }
  if (policy.require_landlock) args.push_back("--require-landlock");
  return args;
}

absl::StatusOr<Policy> ParsePolicyArgs(const std::vector<std::string>& args) {
  Policy policy;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--require-landlock") {
      policy.require_landlock = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": missing value"));
    }
    const std::string& value = args[++i];
    if (flag == "--read") {
      policy.read_paths.push_back(value);
    } else if (flag == "--list") {
      policy.list_paths.push_back(value);
    } else if (flag == "--write") {
      policy.write_paths.push_back(value);
    } else if (flag == "--exec") {
      policy.exec_paths.push_back(value);
    } else if (flag == "--network") {
      if (value != "none" && value != "tcp") {
        return absl::InvalidArgumentError(
            absl::StrCat("--network must be none or tcp, not '", value, "'"));
      }
      policy.network = value == "none" ? Network::kNone : Network::kTcp;
    } else if (flag == "--file-system") {
      if (value != "auto" && value != "mounts") {
        return absl::InvalidArgumentError(absl::StrCat(
            "--file-system must be auto or mounts, not '", value, "'"));
      }
      policy.file_system =
          value == "mounts" ? FileSystem::kMounts : FileSystem::kAuto;
    } else if (flag == "--tcp-connect") {
      uint32_t port = 0;
      if (!absl::SimpleAtoi(value, &port) || port == 0 || port > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat("--tcp-connect: bad port '", value, "'"));
      }
      policy.tcp_connect_ports.push_back(static_cast<uint16_t>(port));
    } else {
      bool known = false;
      for (const auto& limit : kLimitFields) {
        if (flag != limit.flag) continue;
        known = true;
        if (!absl::SimpleAtoi(value, &(policy.limits.*limit.field))) {
          return absl::InvalidArgumentError(
              absl::StrCat(flag, ": not a number: '", value, "'"));
        }
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown argument '", flag, "'"));
      }
    }
  }
  return policy;
}

}  // namespace mfgate::sandbox
