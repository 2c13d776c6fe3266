#include "common/thread_cache.h"

#include <thread>

namespace mfgate {

ThreadCache::ThreadCache(absl::Duration idle_timeout)
    : idle_timeout_(idle_timeout) {}

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

void ThreadCache::Run(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
  // Every queued task needs a thread of its own: an idle thread per task
  // already queued, else a new one.
  if (static_cast<int>(tasks_.size()) > idle_) {
    ++threads_;
    std::thread([this] { Loop(); }).detach();
  }
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
