// RequestFramer: finds where one HTTP/1.1 request ends in the bytes a client
// has sent so far, and refuses it as soon as it breaks a limit.
//
// The HTTP server reads every request whole before a thread answers it, so
// that a client that trickles its bytes holds a buffer, never a thread. The
// framer is fed the connection's buffer (from the request's first byte) each
// time more arrives and resumes where it stopped; it never copies the bytes.
// It checks the request line and headers against `max_header_bytes` and
// `max_headers` (431), and the body, whether sized by Content-Length or sent
// in chunks, against `max_body_bytes` (413): a chunk that would pass the
// limit is refused from its size line, before its data arrives. Framing
// that HTTP/1.1 makes ambiguous (Content-Length with Transfer-Encoding,
// differing lengths, bare LF line ends, folded headers) is refused (400), so
// that the framer and the parser after it cannot disagree on where a request
// ends. Compressed bodies (Content-Encoding) are refused (415): a small one
// could inflate past every limit. Not thread-safe; one per connection.
#ifndef MFGATE_GATEWAY_TRANSPORT_REQUEST_FRAMER_H_
#define MFGATE_GATEWAY_TRANSPORT_REQUEST_FRAMER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace mfgate::transport {

struct FramerLimits {
  size_t max_header_bytes = 32 << 10;  // Request line and headers.
  size_t max_headers = 100;
  size_t max_body_bytes = 4 << 20;
};

// What the framer learned from a request's line and headers.
struct RequestHead {
  std::string method;
  std::string path;  // The target without its query.
  bool keep_alive = true;
  bool expect_continue = false;  // Expect: 100-continue, with a body.
  // The Mcp-Method header (a modern MCP request's method), for the lane.
  std::string mcp_method;
};

class RequestFramer {
 public:
  enum class State { kNeedMore, kComplete, kRefused };

  explicit RequestFramer(FramerLimits limits) : limits_(limits) {}

  // Examines `data`: the bytes received from the request's first byte on
  // (the same bytes as the last call, and maybe more).
  State Feed(absl::string_view data);

  // Once the head is complete: what it says.
  bool head_complete() const { return step_ != Step::kHead; }
  const RequestHead& head() const { return head_; }
  // The bytes the request has arrived with so far (its head included).
  size_t received() const { return position_; }
  // kComplete: the request's length in `data` (what follows belongs to the
  // next request).
  size_t request_bytes() const { return position_; }
  // kRefused: the HTTP status to answer and why.
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }

  // Starts over for the next request.
  void Reset();

 private:
  enum class Step { kHead, kBody, kChunkSize, kChunkData, kChunkEnd, kDone };

  State Refuse(int status, std::string reason);
  State TooLarge();  // 413.
  State ParseHead(absl::string_view head);
  State ParseHeader(absl::string_view line, uint64_t* length, bool* has_length,
                    bool* chunked);

  const FramerLimits limits_;
  Step step_ = Step::kHead;
  size_t position_ = 0;      // Bytes of `data` examined.
  uint64_t remaining_ = 0;   // Of the body or of the current chunk.
  uint64_t body_bytes_ = 0;  // Chunked: data bytes so far.
  bool last_chunk_ = false;
  RequestHead head_;
  int status_ = 0;
  std::string reason_;
};

}  // namespace mfgate::transport

#endif  // MFGATE_GATEWAY_TRANSPORT_REQUEST_FRAMER_H_
