// The dbt profile a persistent engine connects with, as the worker hands it
// over (mfgate.v1.EngineBootstrap, the engine's first frame).
//
// The worker owns the credentials: it reads profiles.yml and the values of
// the environment variables the file refers to with env_var(), and sends
// both to the engine over its pipe. The engine's confinement then denies it
// the file (confinement.h), so no query can read it, and those variables are
// not in the engine's initial environment. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_ENGINE_PROFILE_BOOTSTRAP_H_
#define MFGATE_WORKER_ENGINE_PROFILE_BOOTSTRAP_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "mfgate/v1/engine.pb.h"

namespace mfgate::engine {

// Largest profiles.yml the worker reads.
inline constexpr size_t kMaxProfileBytes = 512 << 10;

// profiles.yml of `profiles_dir` and the values, from the worker's
// environment, of the variables it refers to (those that are set).
absl::StatusOr<v1::EngineBootstrap> ReadProfileBootstrap(
    const std::string& profiles_dir);

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_PROFILE_BOOTSTRAP_H_
