// Fuzzes the reading of engine frames (common/frame_io.h) — the worker's
// boundary with its engine process. The input picks the size limit and how
// the bytes arrive (in chunks of a size it picks, so reads come short), then
// is the byte stream itself. ReadFrame must return exactly the frames a
// plain model of the format finds in the stream, then the error the model
// predicts: ResourceExhausted for a frame over the limit (without reading or
// allocating it), Unavailable at the end of the stream.
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/frame_io.h"

namespace {

struct Expected {
  std::vector<std::string> frames;
  absl::StatusCode end;  // The error after the last frame.
};

Expected Model(absl::string_view stream, size_t max_bytes) {
  Expected expected;
  while (true) {
    if (stream.size() < 4) {
      expected.end = absl::StatusCode::kUnavailable;
      return expected;
    }
    const size_t size = (size_t{static_cast<unsigned char>(stream[0])} << 24) |
                        (size_t{static_cast<unsigned char>(stream[1])} << 16) |
                        (size_t{static_cast<unsigned char>(stream[2])} << 8) |
                        size_t{static_cast<unsigned char>(stream[3])};
    stream.remove_prefix(4);
    if (size > max_bytes) {
      expected.end = absl::StatusCode::kResourceExhausted;
      return expected;
    }
    if (stream.size() < size) {
      expected.end = absl::StatusCode::kUnavailable;
      return expected;
    }
    expected.frames.emplace_back(stream.substr(0, size));
    stream.remove_prefix(size);
  }
}

// Writes `bytes` to `fd` in chunks of `chunk` bytes, then closes it. Stops
// when the reader has gone (EPIPE; SIGPIPE is ignored).
void WriteInChunks(int fd, absl::string_view bytes, size_t chunk) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), std::min(chunk, bytes.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max_bytes = size_t{data[0]} * 64;
  const size_t chunk = size_t{data[1]} + 1;
  absl::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  const Expected expected = Model(stream, max_bytes);

  int fds[2];
  if (pipe(fds) != 0) std::abort();
  std::thread writer(WriteInChunks, fds[1], stream, chunk);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  size_t next = 0;
  absl::StatusCode end = absl::StatusCode::kOk;
  while (end == absl::StatusCode::kOk) {
    absl::StatusOr<std::string> frame =
        mfgate::ReadFrame(fds[0], max_bytes, deadline);
    if (!frame.ok()) {
      end = frame.status().code();
    } else if (next >= expected.frames.size() ||
               *frame != expected.frames[next++]) {
      std::abort();  // A frame the stream does not hold.
    }
  }
  close(fds[0]);
  writer.join();
  if (next != expected.frames.size() || end != expected.end) std::abort();
  return 0;
}
