#include "gateway/transport/stdio_transport.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/json_text.h"
#include "common/log.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/tasks.h"

namespace mfgate::transport {
namespace {

// Writes whole lines; one writer at a time.
class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}

  void WriteJson(const nlohmann::json& message) { Write(JsonText(message)); }
  void Write(absl::string_view text) {
    std::string line(text);
    line += '\n';
    absl::MutexLock lock(&mu_);
    if (broken_) return;
    size_t done = 0;
    while (done < line.size()) {
      ssize_t n = write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;  // The client is gone; the reader will see EOF.
        LogWarning(absl::StrCat("stdout: ", strerror(errno)));
        return;
      }
      done += static_cast<size_t>(n);
    }
  }

 private:
  const int fd_;
  absl::Mutex mu_;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::Status RunStdio(int in_fd, int out_fd, mcp::Handlers handlers,
                      const mcp::SessionOptions& session_options,
                      const StdioOptions& options) {
  LineWriter writer(out_fd);
  mcp::Session session(handlers, session_options,
                       [&writer](const mcp::Outgoing& m) {
                         // No text: a request that ended unanswered.
                         if (m.text != nullptr) writer.Write(*m.text);
                       });
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
      mcp::TaskStore::Shared().CancelAll();
      return absl::InternalError(absl::StrCat("stdin: ", strerror(errno)));
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      char c = buffer[i];
      if (discarding) {
        ++discarded;
        if (c == '\n') {
          discarding = false;
          writer.WriteJson(mcp::MakeError(
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
  mcp::TaskStore::Shared().CancelAll();
  return absl::OkStatus();
}

}  // namespace mfgate::transport
