#include "gateway/tools/kept_answers.h"

#include <utility>

namespace mfgate::tools {

std::shared_ptr<const KeptAnswers::Answer> KeptAnswers::Find(
    const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto found = answers_.find(key);
  return found == answers_.end() ? nullptr : found->second;
}

void KeptAnswers::Keep(const std::string& key, std::string manifest,
                       nlohmann::json result) {
  auto answer = std::make_shared<const Answer>(
      Answer{std::move(manifest), std::move(result)});
  absl::MutexLock lock(&mu_);
  if (answers_.size() >= max_entries_ && !answers_.contains(key)) {
    answers_.clear();
  }
  answers_[key] = std::move(answer);
}

}  // namespace mfgate::tools
