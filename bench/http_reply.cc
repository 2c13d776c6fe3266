#include "bench/http_reply.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mfgate::bench {

HttpReply::State HttpReply::Feed(absl::string_view bytes) {
  buffer_.append(bytes.data(), bytes.size());
  return Parse();
}

void HttpReply::Reset() {
  head_done_ = chunked_ = closes_ = false;
  content_length_ = 0;
  status_ = 0;
  content_type_.clear();
  body_.clear();
}

HttpReply::State HttpReply::Parse() {
  if (!head_done_) {
    const size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return State::kIncomplete;
    if (!ParseHead(absl::string_view(buffer_).substr(0, end)))
      return State::kMalformed;
    buffer_.erase(0, end + 4);
    head_done_ = true;
  }
  if (chunked_) return ParseChunks();
  if (buffer_.size() < content_length_) return State::kIncomplete;
  body_.assign(buffer_, 0, content_length_);
  buffer_.erase(0, content_length_);
  return State::kComplete;
}

bool HttpReply::ParseHead(absl::string_view head) {
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  absl::string_view status_line = lines[0];
  if (!absl::ConsumePrefix(&status_line, "HTTP/1.1 ") &&
      !absl::ConsumePrefix(&status_line, "HTTP/1.0 ")) {
    return false;
  }
  if (!absl::SimpleAtoi(status_line.substr(0, 3), &status_)) return false;
  bool framed = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) return false;
    const std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    const absl::string_view value =
        absl::StripAsciiWhitespace(lines[i].substr(colon + 1));
    if (name == "content-length") {
      if (!absl::SimpleAtoi(value, &content_length_)) return false;
      framed = true;
    } else if (name == "transfer-encoding") {
      chunked_ = absl::EqualsIgnoreCase(value, "chunked");
      framed = framed || chunked_;
    } else if (name == "connection") {
      closes_ = absl::StrContains(absl::AsciiStrToLower(value), "close");
    } else if (name == "content-type") {
      content_type_ = std::string(value);
    }
  }
  // A reply with neither has no body (202, 204) on a keep-alive connection.
  if (!framed) content_length_ = 0;
  return true;
}

HttpReply::State HttpReply::ParseChunks() {
  while (true) {
    const size_t line_end = buffer_.find("\r\n");
    if (line_end == std::string::npos) return State::kIncomplete;
    absl::string_view size_text =
        absl::string_view(buffer_).substr(0, line_end);
    size_text = size_text.substr(0, size_text.find(';'));  // Extensions.
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size))
      return State::kMalformed;
    if (size == 0) {  // The last chunk, then (no) trailers and an empty line.
      const size_t end = buffer_.find("\r\n\r\n", line_end);
      if (end == std::string::npos) return State::kIncomplete;
      buffer_.erase(0, end + 4);
      return State::kComplete;
    }
    if (buffer_.size() < line_end + 2 + size + 2) return State::kIncomplete;
    body_.append(buffer_, line_end + 2, size);
    buffer_.erase(0, line_end + 2 + size + 2);
  }
}

}  // namespace mfgate::bench
