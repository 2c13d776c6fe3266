// Engine answers that depend only on what the engine loaded, kept so that a
// repeated request is answered without the engine.
//
// Two kinds of request qualify: metadata (list_metrics, list_dimensions, ...;
// engine::IsMetadataRequest), a function of the semantic manifest, and
// compile-only queries, a function of the manifest and the SQL dialect of the
// profile the engine loaded. Neither reads the warehouse's data, so neither can
// go stale while the engine keeps what it loaded. Callers name that with a
// `version` (the worker uses the manifest's hash, see worker_service.cc's
// CacheVersionOf).
//
// Keys are the request's bytes without its id; a lookup or store under another
// version empties the cache first. The cache empties when a store would take
// it past `max_entries` answers or `max_bytes` of serialized answers: answers
// are cheap to recompute, and this keeps the worker's memory bounded however
// many different queries callers compile. Thread-safe.
#ifndef MFGATE_WORKER_SERVICE_ANSWER_CACHE_H_
#define MFGATE_WORKER_SERVICE_ANSWER_CACHE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "mfgate/v1/engine.pb.h"

namespace mfgate::service {

class AnswerCache {
 public:
  explicit AnswerCache(size_t max_entries = 4096, size_t max_bytes = 16 << 20)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // Whether `request`'s answer may be kept: metadata, or a query that is
  // only compiled.
  static bool Cacheable(const v1::EngineRequest& request);

  // The key of `request` (its deterministic bytes, without its id).
  static std::string KeyOf(const v1::EngineRequest& request);

  std::optional<v1::EngineResponse> Lookup(const std::string& version,
                                           const std::string& key);
  void Store(const std::string& version, const std::string& key,
             const v1::EngineResponse& response);

  size_t hits() const;
  size_t misses() const;

 private:
  void SwitchTo(const std::string& version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Clear() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  std::string version_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, v1::EngineResponse> entries_
      ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;  // Keys and serialized answers.
  size_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  size_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_ANSWER_CACHE_H_
