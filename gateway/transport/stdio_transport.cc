#include "gateway/transport/stdio_transport.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/json_text.h"
#include "common/log.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/tasks.h"

namespace mfgate::transport {
namespace {

// The error that ends a listen whose change notifications found the outbox
// full.
std::string Overrun(const nlohmann::json& id, size_t lines, size_t bytes) {
  return JsonText(mcp::MakeError(
      id, mcp::kServerBusy,
      absl::StrCat("the client read too slowly: ", lines, " lines or ", bytes,
                   " bytes were waiting (the limit); the listen ended")));
}

// Writes whole lines on stdout, in the order they are put, from a thread of
// its own, so that a client that reads slowly keeps no sender of a change
// notification waiting (they run on the tenant's manifest watch). Put waits
// for room (kMaxLines lines, kMaxBytes bytes): a response or request holds
// its caller as the pipe would. PutChange never waits: past the bound the
// notification is dropped, with every later one of its listen, and the
// listen is ended with a -32000 error once what was queued before is
// written; a followed session's (older revision: no listen) is dropped, and
// a warning logged once. Thread-safe.
class LineOutbox {
 public:
  static constexpr size_t kMaxLines = 1000;
  static constexpr size_t kMaxBytes = 1 << 20;
  using Text = std::shared_ptr<const std::string>;

  // `end_listen` ends a listen (Session::EndListen), on the outbox's thread.
  LineOutbox(int fd, std::function<bool(const nlohmann::json&)> end_listen)
      : fd_(fd),
        end_listen_(std::move(end_listen)),
        thread_([this] { Run(); }) {}
  ~LineOutbox() { Finish(); }

  void PutJson(const nlohmann::json& message) {
    Put(std::make_shared<const std::string>(JsonText(message)));
  }
  void Put(Text text) {
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return finished_ || broken_ || HasRoom();
    };
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&room));
      if (!finished_) return Append(std::move(text));
    }
    Write(*text);  // No thread any more: the caller writes.
  }
  void PutChange(Text text, const nlohmann::json& related) {
    {
      absl::MutexLock lock(&mu_);
      if (!finished_) return QueueChange(std::move(text), related);
    }
    Write(*text);
  }
  // Writes what is queued and stops the thread; later lines are written on
  // their caller's thread.
  void Finish() {
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || finishing_) return;
      finishing_ = true;
    }
    thread_.join();
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return lines_.size() < kMaxLines && bytes_ < kMaxBytes;
  }
  void Append(Text text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (broken_) return;
    bytes_ += text->size();
    lines_.push_back(std::move(text));
  }
  // Queues change `text` of listen `related` if there is room; else drops
  // it (see above).
  void QueueChange(Text text, const nlohmann::json& related)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string key = related.is_null() ? "" : mcp::IdKey(related);
    if (!related.is_null() && overrun_.count(key) != 0) return;
    if (broken_ || HasRoom()) return Append(std::move(text));
    if (!related.is_null()) {
      overrun_.emplace(key, related);
    } else if (!follow_dropped_) {
      follow_dropped_ = true;
      LogWarning(absl::StrCat("stdout: the client reads too slowly (",
                              kMaxLines, " lines or ", kMaxBytes,
                              " bytes waiting): change notifications of this "
                              "session are dropped while it is"));
    }
  }
  void Run() {
    while (true) {
      Text line;
      std::map<std::string, nlohmann::json> overrun;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return finishing_ || !lines_.empty() || !overrun_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (!lines_.empty()) {
          line = std::move(lines_.front());
          lines_.pop_front();
          bytes_ -= line->size();
        } else if (!overrun_.empty()) {
          overrun = overrun_;
        } else {
          finished_ = true;  // All written: later lines are their callers'.
          return;
        }
      }
      if (line != nullptr) {
        Write(*line);
        continue;
      }
      // What each listen was sent before is written: now its end.
      for (const auto& [key, id] : overrun) {
        if (end_listen_(id)) Write(Overrun(id, kMaxLines, kMaxBytes));
      }
      absl::MutexLock lock(&mu_);
      for (const auto& [key, id] : overrun) overrun_.erase(key);
    }
  }
  // Writes `text` and a newline; one writer at a time (the thread, or
  // callers once it finished), never with mu_ held.
  void Write(absl::string_view text) ABSL_LOCKS_EXCLUDED(mu_) {
    std::string line(text);
    line += '\n';
    absl::MutexLock lock(&write_mu_);
    if (broken_.load()) return;
    size_t done = 0;
    while (done < line.size()) {
      ssize_t n = write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        LogWarning(absl::StrCat("stdout: ", strerror(errno)));
        broken_.store(true);  // The client is gone; the reader will see EOF.
        absl::MutexLock wake(&mu_);  // Putters waiting for room stop.
        return;
      }
      done += static_cast<size_t>(n);
    }
  }

  const int fd_;
  const std::function<bool(const nlohmann::json&)> end_listen_;
  absl::Mutex mu_;
  std::deque<Text> lines_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Listens whose changes found the outbox full, by id key, to be ended.
  std::map<std::string, nlohmann::json> overrun_ ABSL_GUARDED_BY(mu_);
  bool follow_dropped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex write_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::atomic<bool> broken_{false};
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // Last: it uses the members above.
};

// No request can poll the tasks once input has ended: each is cancelled,
// and its call, which uses the tools the caller destroys after RunStdio
// returns, is awaited until `deadline`.
void EndTasks(absl::Time deadline) {
  mcp::TaskStore::Shared().CancelAll();
  if (!mcp::TaskStore::Shared().AwaitCallsEnded(deadline)) {
    LogWarning("stdio: a cancelled task's call has not returned");
  }
}

}  // namespace

absl::Status RunStdio(int in_fd, int out_fd, mcp::Handlers handlers,
                      const mcp::SessionOptions& session_options,
                      const StdioOptions& options) {
  mcp::Session* listening = nullptr;  // Set once `session` exists.
  LineOutbox writer(out_fd, [&listening](const nlohmann::json& id) {
    return listening->EndListen(id);
  });
  mcp::Session session(handlers, session_options,
                       [&writer](const mcp::Outgoing& m) {
                         // No text: a request that ended unanswered.
                         if (m.text == nullptr) return;
                         if (m.change) {
                           writer.PutChange(m.text, m.related);
                         } else {
                           writer.Put(m.text);
                         }
                       });
  listening = &session;
  // The outbox's thread (it may end listens) stops before `session` goes.
  struct StopWriter {
    LineOutbox* writer;
    ~StopWriter() { writer->Finish(); }
  } stop_writer{&writer};
  std::string line;
  bool discarding = false;  // Inside an oversize line.
  size_t discarded = 0;
  char buffer[1 << 16];
  auto finish_line = [&] {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos)
      session.HandleText(line, options.max_line_bytes);
    line.clear();
  };
  while (true) {
    ssize_t n = read(in_fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      session.Close();
      EndTasks(absl::Now() + options.drain_timeout);
      return absl::InternalError(absl::StrCat("stdin: ", strerror(errno)));
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      char c = buffer[i];
      if (discarding) {
        ++discarded;
        if (c == '\n') {
          discarding = false;
          writer.PutJson(mcp::MakeError(
              nullptr, mcp::kInvalidRequest,
              absl::StrCat("Invalid Request: message too large: ", discarded,
                           " bytes (limit ", options.max_line_bytes, ")")));
        }
        continue;
      }
      if (c == '\n') {
        finish_line();
        continue;
      }
      line.push_back(c);
      if (line.size() > options.max_line_bytes) {
        discarding = true;
        discarded = line.size();
        line.clear();
        line.shrink_to_fit();
      }
    }
  }
  if (!discarding) finish_line();  // A last message without a newline.
  session.Drain(absl::Now() + options.drain_timeout);
  // The tasks too: no request can poll them now. They run apart from the
  // session, which has no part in ending them.
  EndTasks(absl::Now() + options.drain_timeout);
  return absl::OkStatus();
}

}  // namespace mfgate::transport
