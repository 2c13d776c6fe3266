// Answers to metadata requests (list_metrics, list_dimensions, ...) kept per
// semantic manifest: they depend on nothing else, so a repeated request is
// answered without the engine until the engine loads a different manifest.
//
// Keys are the request's bytes; entries belong to one manifest hash, and a
// lookup or store under another hash empties the cache first. At most
// `max_entries` answers are kept (the cache empties when full: metadata
// requests are few and cheap to recompute). Thread-safe.
#ifndef MFGATE_WORKER_SERVICE_METADATA_CACHE_H_
#define MFGATE_WORKER_SERVICE_METADATA_CACHE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "mfgate/v1/engine.pb.h"

namespace mfgate::service {

class MetadataCache {
 public:
  explicit MetadataCache(size_t max_entries = 4096)
      : max_entries_(max_entries) {}

  // Whether `request` asks for metadata only (its answer is a function of
  // the semantic manifest).
  static bool Cacheable(const v1::EngineRequest& request);

  // The key of `request` (its deterministic bytes, without its id).
  static std::string KeyOf(const v1::EngineRequest& request);

  std::optional<v1::EngineResponse> Lookup(const std::string& manifest,
                                           const std::string& key);
  void Store(const std::string& manifest, const std::string& key,
             const v1::EngineResponse& response);

  size_t hits() const;
  size_t misses() const;

 private:
  void SwitchTo(const std::string& manifest) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  mutable absl::Mutex mu_;
  std::string manifest_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, v1::EngineResponse> entries_
      ABSL_GUARDED_BY(mu_);
  size_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  size_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_METADATA_CACHE_H_
