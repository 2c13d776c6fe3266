#include "gateway/tools/query_pages.h"

#include <utility>

#include "common/random_hex.h"

namespace mfgate::tools {
namespace {

// What keeping a result costs beside PreparedContent::bytes: its fields as
// JSON values and its hint, its map slot and list nodes, and the allocator's
// header of each (measured: about 1.5 KiB). Without it, results of a few rows
// took twice the bound.
constexpr size_t kEntryBytes = 2048;

}  // namespace

QueryPages::QueryPages(size_t max_bytes, absl::Duration max_age,
                       std::function<absl::Time()> now)
    : max_bytes_(max_bytes), max_age_(max_age), now_(std::move(now)) {}

std::string QueryPages::NewId() { return RandomHex(8); }

void QueryPages::Keep(const std::string& id, const std::string& caller,
                      const std::string& fingerprint,
                      std::shared_ptr<const PreparedContent> result) {
  const size_t bytes = result->bytes() + id.size() + caller.size() +
                       fingerprint.size() + kEntryBytes;
  if (bytes > max_bytes_ / 4) return;
  absl::MutexLock lock(&mu_);
  DropLocked(id);
  // Those past their age go first, then the least recently used as make
  // room.
  const absl::Time now = now_();
  DropOldLocked(now);
  while (!recency_.empty() && bytes_ + bytes > max_bytes_) {
    const std::string oldest = recency_.back();  // Outlives its node.
    DropLocked(oldest);
  }
  recency_.push_front(id);
  by_age_.push_front(id);
  entries_[id] = Entry{caller, fingerprint,      std::move(result), bytes,
                       now,    recency_.begin(), by_age_.begin()};
  bytes_ += bytes;
}

std::shared_ptr<const PreparedContent> QueryPages::Find(
    const std::string& id, const std::string& caller,
    const std::string& fingerprint) {
  absl::MutexLock lock(&mu_);
  DropOldLocked(now_());
  auto found = entries_.find(id);
  if (found == entries_.end()) return nullptr;
  Entry& entry = found->second;
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

void QueryPages::DropOldLocked(absl::Time now) {
  // by_age_ is in the order results were kept: the oldest is last.
  while (!by_age_.empty() &&
         now - entries_.at(by_age_.back()).kept > max_age_) {
    const std::string oldest = by_age_.back();
    DropLocked(oldest);
  }
}

void QueryPages::DropLocked(const std::string& id) {
  auto found = entries_.find(id);
  if (found == entries_.end()) return;
  bytes_ -= found->second.bytes;
  recency_.erase(found->second.recency);
  by_age_.erase(found->second.age);
  entries_.erase(found);
}

}  // namespace mfgate::tools
