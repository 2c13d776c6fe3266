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
  auto answer = std::make_shared<const Answer>(
      Answer{std::move(manifest),
             mcp::ToolResult::Serialized(
                 std::make_shared<const std::string>(JsonText(result)),
                 result.value("isError", false))});
  absl::MutexLock lock(&mu_);
  if (answers_.size() >= max_entries_ && !answers_.contains(key)) {
    answers_.clear();
  }
  answers_[key] = answer;
  return answer->result;
}

}  // namespace mfgate::tools
