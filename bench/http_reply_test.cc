#include "bench/http_reply.h"

#include "gtest/gtest.h"

namespace mfgate::bench {
namespace {

using State = HttpReply::State;

TEST(HttpReplyTest, ContentLengthBodyArrivingInPieces) {
  HttpReply reply;
  EXPECT_EQ(reply.Feed("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"),
            State::kIncomplete);
  EXPECT_EQ(reply.Feed("content-length: 7\r\n\r\n{\"a\""), State::kIncomplete);
  EXPECT_EQ(reply.Feed(":1}HTTP/1.1 202 Accepted\r\n\r\n"), State::kComplete);
  EXPECT_EQ(reply.status(), 200);
  EXPECT_EQ(reply.content_type(), "application/json");
  EXPECT_EQ(reply.body(), "{\"a\":1}");
  // The next reply was already read: it completes without new bytes.
  reply.Reset();
  EXPECT_EQ(reply.Feed(""), State::kComplete);
  EXPECT_EQ(reply.status(), 202);
  EXPECT_EQ(reply.body(), "");
  EXPECT_FALSE(reply.closes());
  reply.Reset();
  EXPECT_EQ(reply.Feed("HTTP/1.1 200 OK\r\nConnection: close\r\n"
                       "Content-Length: 0\r\n\r\n"),
            State::kComplete);
  EXPECT_TRUE(reply.closes());
}

TEST(HttpReplyTest, ChunkedBody) {
  HttpReply reply;
  EXPECT_EQ(reply.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                       "Content-Type: text/event-stream\r\n\r\n5\r\nhel"),
            State::kIncomplete);
  EXPECT_EQ(reply.Feed("lo\r\na;ext=1\r\n, world!!!\r\n0\r\n"),
            State::kIncomplete);
  EXPECT_EQ(reply.Feed("\r\n"), State::kComplete);
  EXPECT_EQ(reply.body(), "hello, world!!!");
  EXPECT_EQ(reply.content_type(), "text/event-stream");
}

TEST(HttpReplyTest, MalformedReplies) {
  EXPECT_EQ(HttpReply().Feed("SMTP 220 hello\r\n\r\n"), State::kMalformed);
  EXPECT_EQ(HttpReply().Feed("HTTP/1.1 200 OK\r\nno colon\r\n\r\n"),
            State::kMalformed);
  EXPECT_EQ(HttpReply().Feed("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
            State::kMalformed);
  EXPECT_EQ(HttpReply().Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                             "\r\n\r\nzz\r\n"),
            State::kMalformed);
}

}  // namespace
}  // namespace mfgate::bench
