// mfgate-sandbox: confines itself as a policy says, then executes a program.
//
//   mfgate-sandbox [policy arguments] -- PROGRAM [ARGS...]
//
// The worker starts its engine through it (engine_policy.h builds the
// arguments). A separate, single-threaded program, so that the confinement
// never runs between fork and exec of the multi-threaded worker. Environment,
// descriptors and umask are the caller's (the worker passes a scrubbed
// environment and only the engine's pipes). Exits 126 when it cannot confine.
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "worker/sandbox/confine.h"
#include "worker/sandbox/policy.h"

extern char** environ;

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "mfgate-sandbox: %s\n", message.c_str());
  return 126;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  int program = 1;
  for (; program < argc && std::string(argv[program]) != "--"; ++program) {
    args.emplace_back(argv[program]);
  }
  if (program + 1 >= argc) {
    return Fail("usage: mfgate-sandbox [policy] -- PROGRAM [ARGS...]");
  }
  auto policy = mfgate::sandbox::ParsePolicyArgs(args);
  if (!policy.ok()) return Fail(std::string(policy.status().message()));
  namespace sb = mfgate::sandbox;
  const bool mounts = policy->file_system == sb::FileSystem::kMounts ||
                      sb::LandlockAbiVersion() == 0;
  if (mounts) {
    if (auto s = sb::ConfineWithMountNamespace(*policy); !s.ok()) {
      if (policy->require_landlock) return Fail(std::string(s.message()));
      std::fprintf(stderr,
                   "mfgate-sandbox: warning: no Landlock and %s; the engine's "
                   "file system is not confined\n",
                   std::string(s.message()).c_str());
    }
  }
  if (auto s = sb::DropCapabilities(); !s.ok())
    return Fail(std::string(s.message()));
  if (auto s = sb::ForbidNewPrivileges(); !s.ok())
    return Fail(std::string(s.message()));
  if (auto s =
          mounts ? absl::OkStatus() : sb::RestrictFileSystemAndNetwork(*policy);
      !s.ok()) {
    if (!absl::IsUnavailable(s) || policy->require_landlock) {
      return Fail(std::string(s.message()));
    }
    std::fprintf(stderr,
                 "mfgate-sandbox: warning: %s; the engine's file system is not "
                 "confined\n",
                 std::string(s.message()).c_str());
  }
  if (auto s = sb::ApplySyscallFilter(policy->network); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  // The resource limits last, with nothing left to allocate before execve:
  // they are the engine's, and a sanitizer's runtime (in --config=asan or
  // tsan builds) cannot map memory under the address-space limit.
  if (auto s = sb::ApplyLimits(policy->limits); !s.ok())
    return Fail(std::string(s.message()));
  execve(argv[program + 1], argv + program + 1, environ);
  return Fail(std::string("exec ") + argv[program + 1] + ": " +
              strerror(errno));
}
