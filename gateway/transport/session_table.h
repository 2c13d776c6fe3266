// SessionTable: the HTTP transport's open sessions, by id, bounded per
// tenant, and each tenant's open event streams.
//
// A tenant holds at most `max_sessions` sessions. A new session past that
// evicts the tenant's least recently used idle session (no request pending,
// no event stream open: nothing is lost), so sessions that clients abandon
// never lock a tenant out; only when every session of the tenant is in use
// is the new one refused, with a time to retry after. Sweep, which the
// transport runs on a timer, removes sessions idle for longer than
// `idle_timeout` (and closed ones). OpenStream counts a tenant's event
// streams against `max_streams`.
//
// Thread-safe. Sessions it removes are returned to the caller, which closes
// them outside the table's lock (Close waits for cancelled calls).
#ifndef MFGATE_GATEWAY_TRANSPORT_SESSION_TABLE_H_
#define MFGATE_GATEWAY_TRANSPORT_SESSION_TABLE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/transport/http_session.h"

namespace mfgate::transport {

class SessionTable {
 public:
  // How long a refused client is told to wait: a session frees when a
  // stream closes or a call ends, which the table cannot foresee.
  static constexpr absl::Duration kRetryAfter = absl::Seconds(1);

  // `gauge` (not owned, may be null) is kept equal to the number of
  // sessions.
  SessionTable(int max_sessions, absl::Duration idle_timeout, int max_streams,
               std::atomic<int64_t>* gauge);

  // Adds `session`. When its tenant is at the limit, the least recently
  // used idle session is removed and returned in `*evicted`; when none is
  // idle, ResourceExhausted (the caller answers 429 with kRetryAfter).
  // AlreadyExists when a session of its id is there (two requests rebuilt
  // it from its token at once: the caller uses the one there).
  absl::Status Add(std::shared_ptr<HttpSession> session,
                   std::shared_ptr<HttpSession>* evicted);
  // The open session `id` of `tenant`, or null (another tenant's session is
  // not found either).
  std::shared_ptr<HttpSession> Find(const std::string& id,
                                    const std::string& tenant) const;
  // Removes session `id`; null when it was not there.
  std::shared_ptr<HttpSession> Remove(const std::string& id);
  // Removes and returns the sessions idle since before `now - idle_timeout`,
  // and closed ones.
  std::vector<std::shared_ptr<HttpSession>> Sweep(absl::Time now);
  std::vector<std::shared_ptr<HttpSession>> All() const;
  std::vector<std::shared_ptr<HttpSession>> TakeAll();
  // Removes and returns `tenant`'s sessions (a reload removed or replaced
  // it).
  std::vector<std::shared_ptr<HttpSession>> TakeTenant(
      const std::string& tenant);

  // Counts an event stream of `tenant`; false at its limit.
  bool OpenStream(const std::string& tenant);
  void CloseStream(const std::string& tenant);

  size_t size() const;

 private:
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int max_sessions_;
  const absl::Duration idle_timeout_;
  const int max_streams_;
  std::atomic<int64_t>* const gauge_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<HttpSession>> sessions_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> per_tenant_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_SESSION_TABLE_H_
