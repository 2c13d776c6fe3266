// The engine host made reachable for the user a root-started worker drops
// to. A worker run from the Bazel build tree finds its engine host (script,
// protobuf modules, sandbox launcher) in its runfiles, which sit under the
// home directory of whoever built it; another user cannot enter that. Before
// it drops its privileges, the worker locates the host and copies the pieces
// its final user cannot read into a new directory that user owns (files
// read-only; the confined engine is granted no write there), which lives as
// long as the worker.
// Thread-safety: StageEngineHost reads and writes files only; call it before
// dropping privileges. A StagedHost has one owner.
#ifndef MFGATE_WORKER_SERVER_STAGED_HOST_H_
#define MFGATE_WORKER_SERVER_STAGED_HOST_H_

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/temp_dir.h"
#include "worker/engine/host_locator.h"
#include "worker/server/privileges.h"

namespace mfgate::server {

struct StagedHost {
  engine::EngineHost host;  // Every field set; copies where they were made.
  std::unique_ptr<TempDir> copies;  // Null when nothing was copied.
};

// Whether `user` may reach `path` (search every directory above it) and
// read it, or also execute it when `execute`; by the mode bits, owner and
// groups of each step, as the kernel would decide without ACLs.
bool UserCanRead(const std::string& path, const UserIds& user, bool execute);

// `located` (every field set) with the pieces `user` cannot read copied for
// it. An interpreter `user` cannot run is an error naming it: a Python
// environment is too big to copy.
absl::StatusOr<StagedHost> StageEngineHost(const engine::EngineHost& located,
                                           const UserIds& user);

}  // namespace mfgate::server

#endif  // MFGATE_WORKER_SERVER_STAGED_HOST_H_
