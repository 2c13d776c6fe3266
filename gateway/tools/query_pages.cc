#include "gateway/tools/query_pages.h"

#include <utility>

#include "common/random_hex.h"

namespace mfgate::tools {

QueryPages::QueryPages(size_t max_bytes, absl::Duration max_age,
                       std::function<absl::Time()> now)
    : max_bytes_(max_bytes), max_age_(max_age), now_(std::move(now)) {}

std::string QueryPages::NewId() { return RandomHex(8); }

void QueryPages::Keep(const std::string& id, const std::string& caller,
                      const std::string& fingerprint,
                      std::shared_ptr<const PreparedContent> result) {
  const size_t bytes = result->bytes() + id.size() + caller.size() +
                       fingerprint.size() + sizeof(Entry);
  if (bytes > max_bytes_ / 4) return;
  absl::MutexLock lock(&mu_);
  DropLocked(id);
  // The oldest go first: those past their age, then as many as make room.
  const absl::Time now = now_();
  while (!recency_.empty()) {
    const std::string oldest = recency_.back();
    if (bytes_ + bytes <= max_bytes_ &&
        now - entries_.at(oldest).kept <= max_age_) {
      break;
    }
    DropLocked(oldest);
  }
  recency_.push_front(id);
  entries_[id] = Entry{caller, fingerprint, std::move(result),
                       bytes,  now,         recency_.begin()};
  bytes_ += bytes;
}

std::shared_ptr<const PreparedContent> QueryPages::Find(
    const std::string& id, const std::string& caller,
    const std::string& fingerprint) {
  absl::MutexLock lock(&mu_);
  auto found = entries_.find(id);
  if (found == entries_.end()) return nullptr;
  Entry& entry = found->second;
  if (now_() - entry.kept > max_age_) {
    DropLocked(id);
    return nullptr;
  }
  if (entry.caller != caller || entry.fingerprint != fingerprint) {
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, entry.recency);
  return entry.result;
}

size_t QueryPages::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

size_t QueryPages::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void QueryPages::DropLocked(const std::string& id) {
  auto found = entries_.find(id);
  if (found == entries_.end()) return;
  bytes_ -= found->second.bytes;
  recency_.erase(found->second.recency);
  entries_.erase(found);
}

}  // namespace mfgate::tools
