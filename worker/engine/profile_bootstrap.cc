#include "worker/engine/profile_bootstrap.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "common/paths.h"
#include "worker/engine/confinement.h"

namespace mfgate::engine {

absl::StatusOr<v1::EngineBootstrap> ReadProfileBootstrap(
    const std::string& profiles_dir) {
  const std::string path = profiles_dir + "/profiles.yml";
  auto text = ReadFileUpTo(path, kMaxProfileBytes);
  if (!text.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the dbt profile ", path, ": ", text.status().message()));
  }
  v1::EngineBootstrap bootstrap;
  for (const std::string& name : ReferencedEnvVars(*text)) {
    const char* value = getenv(name.c_str());
    if (value != nullptr) (*bootstrap.mutable_env())[name] = value;
  }
  bootstrap.set_profiles_yml(std::move(*text));
  return bootstrap;
}

}  // namespace mfgate::engine
