// Length-prefixed frames over file descriptors (pipes).
//
// A frame is a 4-byte big-endian payload length followed by the payload. The
// worker and its engine process exchange serialized protobuf messages this way
// (proto/mfgate/v1/engine.proto). Reads are bounded in size and time and can be
// abandoned when the caller's request is cancelled. Functions are stateless;
// concurrent use of one fd must be serialized by the caller.
#ifndef MFGATE_COMMON_FRAME_IO_H_
#define MFGATE_COMMON_FRAME_IO_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace mfgate {

// Frames larger than this are refused by both sides.
inline constexpr size_t kMaxFrameBytes = 256u << 20;

// Writes one frame; retries short writes and EINTR. Fails with Unavailable
// when the reader is gone (EPIPE) and InvalidArgument when the payload is
// larger than `max_bytes`.
absl::Status WriteFrame(int fd, absl::string_view payload,
                        size_t max_bytes = kMaxFrameBytes);

// Waits until a frame (or the end of the stream) can be read from `fd`,
// without reading any of it: a caller that gives up here (DeadlineExceeded
// at `deadline`, Cancelled when `cancelled` returns true) leaves the stream
// in step and may read the frame later. OK when readable.
absl::Status WaitForFrame(int fd, absl::Time deadline,
                          const std::function<bool()>& cancelled = nullptr);

// WaitForFrame, then ReadFrame of the frame that came, which may take
// until `tail` after `deadline` once it has begun (its writer sends it at
// once). `*started`: whether it had begun, i.e. whether the stream may be
// out of step after an error.
absl::StatusOr<std::string> ReadWholeFrame(
    int fd, size_t max_bytes, absl::Time deadline, absl::Duration tail,
    const std::function<bool()>& cancelled, bool* started);

// Reads one frame. Errors: Unavailable on end of file or a read error,
// ResourceExhausted when the announced length exceeds `max_bytes`,
// DeadlineExceeded at `deadline`, Cancelled as soon as `cancelled` (polled
// every few milliseconds; may be empty) returns true. After any error the
// stream's position is unknown: the caller must discard the channel.
absl::StatusOr<std::string> ReadFrame(
    int fd, size_t max_bytes, absl::Time deadline,
    const std::function<bool()>& cancelled = nullptr);

}  // namespace mfgate

#endif  // MFGATE_COMMON_FRAME_IO_H_
