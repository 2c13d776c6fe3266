#include "gateway/transport/request_framer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mfgate::transport {
namespace {

// A chunk-size line (size, extensions, CRLF) longer than this is refused.
constexpr size_t kMaxChunkLine = 1024;

// RFC 9110 token characters (methods, header names).
bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains("!#$%&'*+-.^_`|~", c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

void RequestFramer::Reset() {
  step_ = Step::kHead;
  position_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  last_chunk_ = false;
  head_ = RequestHead();
  status_ = 0;
  reason_.clear();
}

RequestFramer::State RequestFramer::Refuse(int status, std::string reason) {
  status_ = status;
  reason_ = std::move(reason);
  return State::kRefused;
}

RequestFramer::State RequestFramer::TooLarge() {
  return Refuse(413, absl::StrCat("the body is larger than ",
                                  limits_.max_body_bytes, " bytes"));
}

RequestFramer::State RequestFramer::Feed(absl::string_view data) {
  if (status_ != 0) return State::kRefused;
  while (true) {
    absl::string_view rest = data.substr(position_);
    switch (step_) {
      case Step::kHead: {
        // Resume the search a few bytes back: the end may straddle feeds.
        const size_t from = position_ < 3 ? 0 : position_ - 3;
        const size_t end = data.find("\r\n\r\n", from);
        if (end == absl::string_view::npos) {
          if (data.size() > limits_.max_header_bytes) {
            return Refuse(431, "the request's line and headers are too large");
          }
          position_ = data.size();
          return State::kNeedMore;
        }
        position_ = end + 4;
        if (position_ > limits_.max_header_bytes) {
          return Refuse(431, "the request's line and headers are too large");
        }
        if (State state = ParseHead(data.substr(0, end));
            state == State::kRefused) {
          return state;
        }
        break;
      }
      case Step::kBody:
      case Step::kChunkData: {
        const uint64_t take = std::min<uint64_t>(remaining_, rest.size());
        position_ += take;
        remaining_ -= take;
        if (remaining_ > 0) return State::kNeedMore;
        step_ = step_ == Step::kBody ? Step::kDone : Step::kChunkEnd;
        break;
      }
      case Step::kChunkSize: {
        const size_t end = rest.find("\r\n");
        if (end == absl::string_view::npos) {
          if (rest.size() > kMaxChunkLine) {
            return Refuse(400, "a chunk size line is too long");
          }
          return State::kNeedMore;
        }
        absl::string_view size = rest.substr(0, end);
        size = size.substr(0, size.find(';'));  // Extensions are ignored.
        uint64_t length = 0;
        if (size.empty() || size.size() > 15 ||
            !absl::SimpleHexAtoi(size, &length) || size[0] == '-' ||
            size[0] == '+') {
          return Refuse(400, "a chunk size is not a hexadecimal number");
        }
        if (length > limits_.max_body_bytes - body_bytes_) return TooLarge();
        position_ += end + 2;
        body_bytes_ += length;
        remaining_ = length;
        // The last chunk (size 0) has no data and ends with an empty line:
        // trailers are refused.
        last_chunk_ = length == 0;
        step_ = last_chunk_ ? Step::kChunkEnd : Step::kChunkData;
        break;
      }
      case Step::kChunkEnd: {
        if (rest.size() < 2) return State::kNeedMore;
        if (!absl::StartsWith(rest, "\r\n")) {
          return Refuse(400,
                        "a chunk does not end with CRLF (or has trailers)");
        }
        position_ += 2;
        step_ = last_chunk_ ? Step::kDone : Step::kChunkSize;
        break;
      }
      case Step::kDone:
        return State::kComplete;
    }
  }
}

RequestFramer::State RequestFramer::ParseHead(absl::string_view head) {
  for (char c : head) {
    if ((absl::ascii_iscntrl(c) && c != '\r' && c != '\n' && c != '\t')) {
      return Refuse(400, "control characters in the request's head");
    }
  }
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  if (lines.size() - 1 > limits_.max_headers) {
    return Refuse(
        431, absl::StrCat("more than ", limits_.max_headers, " header fields"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(lines[0], ' ');
  if (parts.size() != 3 || !IsToken(parts[0]) || parts[1].empty() ||
      (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")) {
    return Refuse(400, "malformed request line");
  }
  head_.method = std::string(parts[0]);
  head_.path = std::string(parts[1].substr(0, parts[1].find('?')));
  head_.keep_alive = parts[2] == "HTTP/1.1";
  uint64_t length = 0;
  bool has_length = false, chunked = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (State state = ParseHeader(lines[i], &length, &has_length, &chunked);
        state == State::kRefused) {
      return state;
    }
  }
  if (chunked && has_length) {
    return Refuse(400, "both Content-Length and Transfer-Encoding");
  }
  if (chunked) {
    step_ = Step::kChunkSize;
  } else if (length > limits_.max_body_bytes) {
    return TooLarge();
  } else {
    remaining_ = length;
    step_ = Step::kBody;
  }
  head_.expect_continue = head_.expect_continue && (chunked || length > 0);
  return State::kNeedMore;
}

RequestFramer::State RequestFramer::ParseHeader(absl::string_view line,
                                                uint64_t* length,
                                                bool* has_length,
                                                bool* chunked) {
  if (absl::StrContains(line, '\n') || absl::StrContains(line, '\r')) {
    return Refuse(400, "a line of the head does not end with CRLF");
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Refuse(400, "malformed header field");  // Folded lines too.
  }
  const absl::string_view name = line.substr(0, colon);
  const absl::string_view value =
      absl::StripAsciiWhitespace(line.substr(colon + 1));
  if (absl::EqualsIgnoreCase(name, "Content-Length")) {
    uint64_t parsed = 0;
    if (value.empty() || !absl::c_all_of(value, absl::ascii_isdigit) ||
        value.size() > 19 || !absl::SimpleAtoi(value, &parsed) ||
        (*has_length && parsed != *length)) {
      return Refuse(400, "invalid Content-Length");
    }
    *length = parsed;
    *has_length = true;
  } else if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
    if (!absl::EqualsIgnoreCase(value, "chunked") || *chunked) {
      return Refuse(501, "only Transfer-Encoding: chunked is supported");
    }
    *chunked = true;
  } else if (absl::EqualsIgnoreCase(name, "Content-Encoding")) {
    if (!absl::EqualsIgnoreCase(value, "identity")) {
      return Refuse(415, "compressed request bodies are not accepted");
    }
  } else if (absl::EqualsIgnoreCase(name, "Connection")) {
    for (absl::string_view option : absl::StrSplit(value, ',')) {
      option = absl::StripAsciiWhitespace(option);
      if (absl::EqualsIgnoreCase(option, "close")) head_.keep_alive = false;
      if (absl::EqualsIgnoreCase(option, "keep-alive")) head_.keep_alive = true;
    }
  } else if (absl::EqualsIgnoreCase(name, "Mcp-Method")) {
    head_.mcp_method = std::string(value);
  } else if (absl::EqualsIgnoreCase(name, "Expect")) {
    head_.expect_continue = absl::EqualsIgnoreCase(value, "100-continue");
  }
  return State::kNeedMore;
}

}  // namespace mfgate::transport
