#include "common/thread_cache.h"

#include <thread>

namespace mfgate {

ThreadCache::ThreadCache(absl::Duration idle_timeout, int max_threads,
                         size_t max_queued)
    : idle_timeout_(idle_timeout),
      max_threads_(max_threads),
      max_queued_(max_queued) {}

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
  // Threads not running a task (idle, or started and not yet waiting) take
  // the queued tasks first; every other task needs a thread of its own,
  // within the cap, or a place in the queue.
  const size_t free = static_cast<size_t>(threads_ - busy_);
  if (tasks_.size() < free) {
    tasks_.push_back(std::move(task));
    return true;
  }
  if (threads_ < max_threads_) {
    tasks_.push_back(std::move(task));
    ++threads_;
    std::thread([this] { Loop(); }).detach();
    return true;
  }
  if (tasks_.size() - free >= max_queued_) return false;
  tasks_.push_back(std::move(task));
  return true;
}

int ThreadCache::busy() const {
  absl::MutexLock lock(&mu_);
  return busy_;
}

bool ThreadCache::CanRunNow() const {
  absl::MutexLock lock(&mu_);
  return tasks_.size() < static_cast<size_t>(threads_ - busy_) ||
         threads_ < max_threads_;
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
    ++busy_;
    mu_.Unlock();
    task();
    task = nullptr;  // Release what it captured before taking the lock.
    mu_.Lock();
    --busy_;
  }
  --threads_;
}

}  // namespace mfgate
