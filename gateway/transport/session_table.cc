#include "gateway/transport/session_table.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace mfgate::transport {

SessionTable::SessionTable(int max_sessions, absl::Duration idle_timeout,
                           int max_streams, std::atomic<int64_t>* gauge)
    : max_sessions_(max_sessions),
      idle_timeout_(idle_timeout),
      max_streams_(max_streams),
      gauge_(gauge) {}

void SessionTable::Publish() {
  if (gauge_ != nullptr) gauge_->store(static_cast<int64_t>(sessions_.size()));
}

absl::Status SessionTable::Add(std::shared_ptr<HttpSession> session,
                               std::shared_ptr<HttpSession>* evicted) {
  absl::MutexLock lock(&mu_);
  if (sessions_.count(session->id())) {
    return absl::AlreadyExistsError("Conflict: the session is already open");
  }
  const std::string& tenant = session->tenant();
  int& count = per_tenant_[tenant];
  if (count >= max_sessions_) {
    // The least recently used of the tenant's idle sessions makes room.
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second->tenant() != tenant || !it->second->idle()) continue;
      if (oldest == sessions_.end() ||
          it->second->last_used() < oldest->second->last_used()) {
        oldest = it;
      }
    }
    if (oldest == sessions_.end()) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "Too Many Requests: all ", count,
          " sessions of this tenant are in use (limit ", max_sessions_, ")"));
    }
    *evicted = std::move(oldest->second);
    sessions_.erase(oldest);
    --count;
  }
  ++count;
  sessions_[session->id()] = std::move(session);
  Publish();
  return absl::OkStatus();
}

std::shared_ptr<HttpSession> SessionTable::Find(
    const std::string& id, const std::string& tenant) const {
  absl::MutexLock lock(&mu_);
  auto found = sessions_.find(id);
  if (found == sessions_.end() || found->second->closed() ||
      found->second->tenant() != tenant) {
    return nullptr;
  }
  return found->second;
}

std::shared_ptr<HttpSession> SessionTable::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) return nullptr;
  std::shared_ptr<HttpSession> session = std::move(found->second);
  sessions_.erase(found);
  --per_tenant_[session->tenant()];
  Publish();
  return session;
}

std::vector<std::shared_ptr<HttpSession>> SessionTable::Sweep(absl::Time now) {
  std::vector<std::shared_ptr<HttpSession>> expired;
  absl::MutexLock lock(&mu_);
  const absl::Time cutoff = now - idle_timeout_;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    HttpSession& session = *it->second;
    if (session.closed() || (session.idle() && session.last_used() < cutoff)) {
      --per_tenant_[session.tenant()];
      expired.push_back(std::move(it->second));
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  if (!expired.empty()) Publish();
  return expired;
}

std::vector<std::shared_ptr<HttpSession>> SessionTable::All() const {
  std::vector<std::shared_ptr<HttpSession>> all;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, session] : sessions_) all.push_back(session);
  return all;
}

std::vector<std::shared_ptr<HttpSession>> SessionTable::TakeAll() {
  std::vector<std::shared_ptr<HttpSession>> all;
  absl::MutexLock lock(&mu_);
  for (auto& [id, session] : sessions_) all.push_back(std::move(session));
  sessions_.clear();
  per_tenant_.clear();
  Publish();
  return all;
}

std::vector<std::shared_ptr<HttpSession>> SessionTable::TakeTenant(
    const std::string& tenant) {
  std::vector<std::shared_ptr<HttpSession>> taken;
  absl::MutexLock lock(&mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->tenant() == tenant) {
      taken.push_back(std::move(it->second));
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  per_tenant_.erase(tenant);
  Publish();
  return taken;
}

bool SessionTable::OpenStream(const std::string& tenant) {
  absl::MutexLock lock(&mu_);
  int& open = streams_[tenant];
  if (open >= max_streams_) return false;
  ++open;
  return true;
}

void SessionTable::CloseStream(const std::string& tenant) {
  absl::MutexLock lock(&mu_);
  --streams_[tenant];
}

size_t SessionTable::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

}  // namespace mfgate::transport
