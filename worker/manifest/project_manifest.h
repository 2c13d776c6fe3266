// ReadProjectIndex: the semantic index of a project's current semantic
// manifest, read by the worker itself before (or without) any engine.
//
// The manifest is current by the rule the engine host applies before it
// loads one (mf_adapter.py, fresh_manifest): the project's
// target/semantic_manifest.json when it is at least as new as every source
// file of the project (outside target/, logs/, dbt_packages/, .git/ and
// __pycache__/, and but DuckDB files and logs), else the one an earlier
// engine parsed into the scratch directory under the same condition. When
// neither is current the engine runs `dbt parse` first, and the worker
// knows no index until then (NotFound). The walk is bounded (kMaxSourceFiles
// files); the file too (kMaxManifestBytes). Safe from any thread.
#ifndef MFGATE_WORKER_MANIFEST_PROJECT_MANIFEST_H_
#define MFGATE_WORKER_MANIFEST_PROJECT_MANIFEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "mfgate/v1/engine.pb.h"

namespace mfgate::manifest {

inline constexpr int kMaxSourceFiles = 100000;

struct ProjectIndex {
  std::string path;             // Of the manifest read.
  std::string manifest_sha256;  // Of its bytes, as the engine reports it.
  v1::SemanticIndex index;
};

// Errors: NotFound (no current manifest), ResourceExhausted (too many
// files, a manifest too large or too deep), InvalidArgument (a manifest
// that is not one), Unavailable (a file that cannot be read).
absl::StatusOr<ProjectIndex> ReadProjectIndex(const std::string& project_dir,
                                              const std::string& scratch_dir);

}  // namespace mfgate::manifest

#endif  // MFGATE_WORKER_MANIFEST_PROJECT_MANIFEST_H_
