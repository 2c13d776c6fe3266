// QueryPages: a tenant's query results that took more than one page, kept
// between pages, so that a next_cursor page is served from the answer the
// first page came from instead of running the query again.
//
// A result is kept prepared (budget.h's PreparedContent) under a random id
// that its cursors carry (cursor.h), with the fingerprint of the call and
// the caller (common/call_headers.h) it was made for: only the same call
// from the same caller finds it. Bounded: at most `max_bytes` in all (its
// PreparedContent::bytes and an allowance per result for what holds it,
// about), the least recently used dropped first, a result larger than a
// quarter of that never kept; each for at most `max_age` after its query
// ran: every call drops those past their age, whatever their place in the
// recency order. A result that is not found is no error: the caller runs
// the query again. Thread-safe; results are immutable and shared.
#ifndef MFGATE_GATEWAY_TOOLS_QUERY_PAGES_H_
#define MFGATE_GATEWAY_TOOLS_QUERY_PAGES_H_

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/tools/budget.h"

namespace mfgate::tools {

class QueryPages {
 public:
  // `now` is the clock ages are measured by (tests pass their own).
  QueryPages(
      size_t max_bytes, absl::Duration max_age,
      std::function<absl::Time()> now = [] { return absl::Now(); });

  // A new id (16 hex digits, unguessable) for a result about to be kept.
  static std::string NewId();

  // Keeps `result` under `id` for `caller`'s call named by `fingerprint`,
  // unless it is too large; drops older results to make room.
  void Keep(const std::string& id, const std::string& caller,
            const std::string& fingerprint,
            std::shared_ptr<const PreparedContent> result);
  // The result kept under `id` for this caller and call, or null.
  std::shared_ptr<const PreparedContent> Find(const std::string& id,
                                              const std::string& caller,
                                              const std::string& fingerprint);

  // Bytes and results kept now.
  size_t bytes() const;
  size_t size() const;

 private:
  struct Entry {
    std::string caller, fingerprint;
    std::shared_ptr<const PreparedContent> result;
    size_t bytes = 0;
    absl::Time kept;
    std::list<std::string>::iterator recency;  // In recency_.
    std::list<std::string>::iterator age;      // In by_age_.
  };
  // Drops the results past their age as of `now`.
  void DropOldLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_bytes_;
  const absl::Duration max_age_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> recency_ ABSL_GUARDED_BY(mu_);  // Newest first.
  // Newest first by when each was kept (a Find does not move it).
  std::list<std::string> by_age_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_QUERY_PAGES_H_
