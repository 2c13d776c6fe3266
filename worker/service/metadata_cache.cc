#include "worker/service/metadata_cache.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace mfgate::service {

bool MetadataCache::Cacheable(const v1::EngineRequest& request) {
  switch (request.request_case()) {
    case v1::EngineRequest::kListMetrics:
    case v1::EngineRequest::kListDimensions:
    case v1::EngineRequest::kListEntities:
    case v1::EngineRequest::kListSavedQueries:
    case v1::EngineRequest::kListSemanticModels:
      return true;
    default:  // Dimension values and queries read the warehouse's data.
      return false;
  }
}

std::string MetadataCache::KeyOf(const v1::EngineRequest& request) {
  v1::EngineRequest copy = request;
  copy.clear_id();
  std::string key;
  {
    google::protobuf::io::StringOutputStream stream(&key);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return key;
}

void MetadataCache::SwitchTo(const std::string& manifest) {
  if (manifest == manifest_) return;
  entries_.clear();
  manifest_ = manifest;
}

std::optional<v1::EngineResponse> MetadataCache::Lookup(
    const std::string& manifest, const std::string& key) {
  absl::MutexLock lock(&mu_);
  SwitchTo(manifest);
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  return found->second;
}

void MetadataCache::Store(const std::string& manifest, const std::string& key,
                          const v1::EngineResponse& response) {
  absl::MutexLock lock(&mu_);
  SwitchTo(manifest);
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[key] = response;
}

size_t MetadataCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

size_t MetadataCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

}  // namespace mfgate::service
