#include "worker/service/answer_cache.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "worker/engine/engine.h"

namespace mfgate::service {

bool AnswerCache::Cacheable(const v1::EngineRequest& request) {
  return engine::IsMetadataRequest(request) ||
         (request.has_query() && request.query().compile_only());
}

std::string AnswerCache::KeyOf(const v1::EngineRequest& request) {
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

void AnswerCache::Clear() {
  entries_.clear();
  bytes_ = 0;
}

void AnswerCache::SwitchTo(const std::string& version) {
  if (version == version_) return;
  Clear();
  version_ = version;
}

std::optional<v1::EngineResponse> AnswerCache::Lookup(
    const std::string& version, const std::string& key) {
  absl::MutexLock lock(&mu_);
  SwitchTo(version);
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  return found->second;
}

void AnswerCache::Store(const std::string& version, const std::string& key,
                        const v1::EngineResponse& response) {
  const size_t size = key.size() + response.ByteSizeLong();
  if (size > max_bytes_) return;  // Would not fit even alone.
  absl::MutexLock lock(&mu_);
  SwitchTo(version);
  if (entries_.contains(key)) return;  // A concurrent miss stored it first.
  if (entries_.size() >= max_entries_ || bytes_ + size > max_bytes_) Clear();
  entries_.emplace(key, response);
  bytes_ += size;
}

size_t AnswerCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

size_t AnswerCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

}  // namespace mfgate::service
