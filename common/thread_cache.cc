#include "common/thread_cache.h"

#include <thread>

namespace mfgate {

ThreadCache::ThreadCache(absl::Duration idle_timeout, int max_threads)
    : idle_timeout_(idle_timeout), max_threads_(max_threads) {}

ThreadCache::~ThreadCache() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  auto done = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return threads_ == 0; };
  mu_.Await(absl::Condition(&done));
}

ThreadCache& ThreadCache::Shared() {
  static ThreadCache* cache = new ThreadCache();
  return *cache;
}

bool ThreadCache::TryRun(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  // Every queued task needs a thread of its own: an idle thread per task
  // already queued, else a new one, within the cap.
  const bool needs_thread = static_cast<int>(tasks_.size()) + 1 > idle_;
  if (needs_thread && threads_ >= max_threads_) return false;
  tasks_.push_back(std::move(task));
  if (needs_thread) {
    ++threads_;
    std::thread([this] { Loop(); }).detach();
  }
  return true;
}

int ThreadCache::threads() const {
  absl::MutexLock lock(&mu_);
  return threads_;
}

int ThreadCache::idle() const {
  absl::MutexLock lock(&mu_);
  return idle_;
}

void ThreadCache::Loop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !tasks_.empty() || stopping_;
    };
    ++idle_;
    bool woke = mu_.AwaitWithTimeout(absl::Condition(&ready), idle_timeout_);
    --idle_;
    if (!woke || tasks_.empty()) break;  // Idle too long, or stopping.
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    mu_.Unlock();
    task();
    task = nullptr;  // Release what it captured before taking the lock.
    mu_.Lock();
  }
  --threads_;
}

}  // namespace mfgate
