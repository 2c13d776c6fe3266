#include "gateway/transport/request_framer.h"

#include <string>

#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using State = RequestFramer::State;

FramerLimits Small() {
  FramerLimits limits;
  limits.max_header_bytes = 256;
  limits.max_headers = 4;
  limits.max_body_bytes = 100;
  return limits;
}

// Feeds `text` one byte more at a time, as a trickling client sends it.
State FeedByteByByte(RequestFramer& framer, const std::string& text) {
  State state = State::kNeedMore;
  for (size_t i = 1; i <= text.size() && state == State::kNeedMore; ++i) {
    state = framer.Feed(absl::string_view(text).substr(0, i));
  }
  return state;
}

TEST(RequestFramerTest, ContentLengthBodiesEndWhereTheyShould) {
  const std::string first =
      "POST /mcp?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  const std::string both = first + "GET /health HTTP/1.1\r\n\r\n";
  RequestFramer framer(Small());
  ASSERT_EQ(framer.Feed(both), State::kComplete);
  EXPECT_EQ(framer.request_bytes(), first.size());
  EXPECT_EQ(framer.head().method, "POST");
  EXPECT_EQ(framer.head().path, "/mcp");
  EXPECT_TRUE(framer.head().keep_alive);
  framer.Reset();
  ASSERT_EQ(framer.Feed(absl::string_view(both).substr(first.size())),
            State::kComplete);
  EXPECT_EQ(framer.head().path, "/health");
}

TEST(RequestFramerTest, ResumesAcrossFeedsOfAnySize) {
  const std::string chunked =
      "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
  RequestFramer framer(Small());
  EXPECT_EQ(FeedByteByByte(framer, chunked), State::kComplete);
  EXPECT_EQ(framer.request_bytes(), chunked.size());
}

TEST(RequestFramerTest,
     AChunkedBodyIsRefusedFromTheSizeLineThatPassesTheLimit) {
  const std::string head =
      "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string body = "3c\r\n" + std::string(60, 'a') + "\r\n29\r\n";
  RequestFramer framer(Small());
  // 60 bytes, then a chunk of 41 would make 101 > 100: refused before any
  // of its data arrives.
  EXPECT_EQ(framer.Feed(head + body), State::kRefused);
  EXPECT_EQ(framer.status(), 413);
  // Exactly at the limit is fine.
  RequestFramer exact(Small());
  EXPECT_EQ(exact.Feed(head + "3c\r\n" + std::string(60, 'a') + "\r\n28\r\n" +
                       std::string(40, 'b') + "\r\n0\r\n\r\n"),
            State::kComplete);
  // A huge declared size is refused without overflow.
  RequestFramer huge(Small());
  EXPECT_EQ(huge.Feed(head + "fffffffffffffff\r\n"), State::kRefused);
  EXPECT_EQ(huge.status(), 413);
}

TEST(RequestFramerTest, ContentLengthOverTheLimitIsRefusedAtTheHead) {
  RequestFramer framer(Small());
  EXPECT_EQ(framer.Feed("POST /mcp HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
            State::kRefused);
  EXPECT_EQ(framer.status(), 413);
}

TEST(RequestFramerTest, HeadLimits) {
  RequestFramer big(Small());
  EXPECT_EQ(big.Feed("GET / HTTP/1.1\r\nX: " + std::string(300, 'a')),
            State::kRefused);  // Refused before the head ends.
  EXPECT_EQ(big.status(), 431);
  RequestFramer many(Small());
  EXPECT_EQ(many.Feed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n"
                      "E: 5\r\n\r\n"),
            State::kRefused);
  EXPECT_EQ(many.status(), 431);
}

TEST(RequestFramerTest, AmbiguousOrUnsupportedFramingIsRefused) {
  struct Case {
    std::string head;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: "
            "chunked\r\n\r\n",
            400},
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            400},
           {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
           {"POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n\r\n", 415},
           {"POST / HTTP/1.1\nHost: h\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
           {std::string("POST / HTTP/1.1\r\nX: a") + '\0' + "b\r\n\r\n", 400},
           {"POST /  HTTP/1.1\r\n\r\n", 400},
           {"GARBAGE\r\n\r\n", 400},
           {"GET / HTTP/2.0\r\n\r\n", 400},
       }) {
    RequestFramer framer(Small());
    EXPECT_EQ(framer.Feed(c.head), State::kRefused) << c.head;
    EXPECT_EQ(framer.status(), c.status) << c.head;
  }
  RequestFramer trailers(Small());
  EXPECT_EQ(
      trailers.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\nX-Trailer: 1\r\n\r\n"),
      State::kRefused);
}

TEST(RequestFramerTest, ConnectionAndExpect) {
  RequestFramer close(Small());
  ASSERT_EQ(close.Feed("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"),
            State::kComplete);
  EXPECT_FALSE(close.head().keep_alive);
  RequestFramer old(Small());
  ASSERT_EQ(old.Feed("GET / HTTP/1.0\r\n\r\n"), State::kComplete);
  EXPECT_FALSE(old.head().keep_alive);
  RequestFramer expect(Small());
  EXPECT_EQ(expect.Feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\n"
                        "Content-Length: 3\r\n\r\n"),
            State::kNeedMore);
  EXPECT_TRUE(expect.head_complete());
  EXPECT_TRUE(expect.head().expect_continue);
}

}  // namespace
}  // namespace mfgate::transport
