#include "gateway/tools/kept_answers.h"

#include <utility>

#include "common/json_text.h"

namespace mfgate::tools {

std::shared_ptr<const KeptAnswers::Answer> KeptAnswers::Find(
    const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto found = answers_.find(key);
  return found == answers_.end() ? nullptr : found->second;
}

mcp::ToolResult KeptAnswers::Keep(const std::string& key, std::string manifest,
                                  const nlohmann::json& result) {
  auto text = std::make_shared<const std::string>(JsonText(result));
  // The map's slot, the shared pointers and the allocator's headers too.
  const size_t bytes = text->size() + key.size() + manifest.size() + 256;
  mcp::ToolResult serialized = mcp::ToolResult::Serialized(
      std::move(text), result.value("isError", false));
  if (bytes > max_bytes_ / 4) return serialized;
  auto answer = std::make_shared<const Answer>(
      Answer{std::move(manifest), serialized, bytes});
  absl::MutexLock lock(&mu_);
  if (auto old = answers_.find(key); old != answers_.end()) {
    bytes_ -= old->second->bytes;
    answers_.erase(old);
  }
  if (answers_.size() >= max_entries_ || bytes_ + bytes > max_bytes_) {
    answers_.clear();
    bytes_ = 0;
  }
  answers_[key] = answer;
  bytes_ += bytes;
  return serialized;
}

size_t KeptAnswers::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace mfgate::tools
