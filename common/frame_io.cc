#include "common/frame_io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mfgate {
namespace {

// How often a blocked read looks at its cancellation predicate.
constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(20);

// Waits until `fd` is readable. OK when readable (or at EOF/hang-up, which the
// following read reports).
absl::Status WaitReadable(int fd, absl::Time deadline,
                          const std::function<bool()>& cancelled) {
  while (true) {
    if (cancelled && cancelled()) return absl::CancelledError("cancelled");
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("deadline exceeded");
    }
    int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(
        std::min(left, cancelled ? kCancelPollInterval : left)));
    if (timeout_ms <= 0) timeout_ms = 1;
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, timeout_ms);
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll: ", strerror(errno)));
    }
  }
}

absl::Status ReadExactly(int fd, char* out, size_t size, absl::Time deadline,
                         const std::function<bool()>& cancelled) {
  size_t done = 0;
  while (done < size) {
    absl::Status readable = WaitReadable(fd, deadline, cancelled);
    if (!readable.ok()) return readable;
    ssize_t n = read(fd, out + done, size - done);
    if (n == 0) return absl::UnavailableError("end of stream");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return absl::UnavailableError(absl::StrCat("read: ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WaitForFrame(int fd, absl::Time deadline,
                          const std::function<bool()>& cancelled) {
  return WaitReadable(fd, deadline, cancelled);
}

absl::StatusOr<std::string> ReadWholeFrame(
    int fd, size_t max_bytes, absl::Time deadline, absl::Duration tail,
    const std::function<bool()>& cancelled, bool* started) {
  absl::Status readable = WaitReadable(fd, deadline, cancelled);
  *started = readable.ok();
  if (!readable.ok()) return readable;
  return ReadFrame(fd, max_bytes, std::max(deadline, absl::Now()) + tail);
}

absl::Status WriteFrame(int fd, absl::string_view payload, size_t max_bytes) {
  if (payload.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame of ", payload.size(),
                     " bytes exceeds the limit of ", max_bytes));
  }
  const uint32_t size = static_cast<uint32_t>(payload.size());
  std::string buffer;
  buffer.reserve(4 + payload.size());
  buffer.push_back(static_cast<char>((size >> 24) & 0xff));
  buffer.push_back(static_cast<char>((size >> 16) & 0xff));
  buffer.push_back(static_cast<char>((size >> 8) & 0xff));
  buffer.push_back(static_cast<char>(size & 0xff));
  buffer.append(payload.data(), payload.size());
  size_t done = 0;
  while (done < buffer.size()) {
    ssize_t n = write(fd, buffer.data() + done, buffer.size() - done);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return absl::UnavailableError(absl::StrCat("write: ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFrame(int fd, size_t max_bytes,
                                      absl::Time deadline,
                                      const std::function<bool()>& cancelled) {
  unsigned char header[4];
  absl::Status status = ReadExactly(fd, reinterpret_cast<char*>(header),
                                    sizeof(header), deadline, cancelled);
  if (!status.ok()) return status;
  const size_t size = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) |
                      (size_t{header[2]} << 8) | size_t{header[3]};
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "frame of ", size, " bytes exceeds the limit of ", max_bytes));
  }
  std::string payload(size, '\0');
  status = ReadExactly(fd, payload.data(), size, deadline, cancelled);
  if (!status.ok()) return status;
  return payload;
}

}  // namespace mfgate
