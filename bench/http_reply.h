// HttpReply: reads one HTTP/1.1 response from bytes as they arrive, without
// copying more than the body: the status, the Content-Type and the body,
// framed by Content-Length or chunked transfer coding.
//
// For load_http's event loop, which reads from many sockets on one thread.
// Not thread-safe; one reply at a time (Reset() between replies on a
// keep-alive connection; bytes past the end of a reply are kept for the
// next).
#ifndef MFGATE_BENCH_HTTP_REPLY_H_
#define MFGATE_BENCH_HTTP_REPLY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mfgate::bench {

class HttpReply {
 public:
  enum class State { kIncomplete, kComplete, kMalformed };

  // Appends bytes read from the connection; returns where the reply stands.
  State Feed(absl::string_view bytes);
  // Drops a complete reply, keeping any bytes that followed it.
  void Reset();

  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& body() const { return body_; }
  // The server closes the connection after this reply (Connection: close).
  bool closes() const { return closes_; }

 private:
  State Parse();
  bool ParseHead(absl::string_view head);
  // Decodes whole chunks from the front of `buffer_` into body_.
  State ParseChunks();

  std::string buffer_;  // Bytes not consumed yet.
  bool head_done_ = false;
  bool chunked_ = false;
  bool closes_ = false;
  size_t content_length_ = 0;
  int status_ = 0;
  std::string content_type_;
  std::string body_;
};

}  // namespace mfgate::bench

#endif  // MFGATE_BENCH_HTTP_REPLY_H_
