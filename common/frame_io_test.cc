#include "common/frame_io.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

class FrameIoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe(fds_), 0); }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
  }
  void CloseWriter() {
    close(fds_[1]);
    fds_[1] = -1;
  }
  int reader() const { return fds_[0]; }
  int writer() const { return fds_[1]; }

 private:
  int fds_[2] = {-1, -1};
};

absl::Time Soon() { return absl::Now() + absl::Seconds(5); }

TEST_F(FrameIoTest, RoundTripsPayloadsIncludingEmptyAndBinary) {
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(WriteFrame(writer(), "hello").ok());
  ASSERT_TRUE(WriteFrame(writer(), "").ok());
  ASSERT_TRUE(WriteFrame(writer(), binary).ok());
  EXPECT_EQ(*ReadFrame(reader(), 1024, Soon()), "hello");
  EXPECT_EQ(*ReadFrame(reader(), 1024, Soon()), "");
  EXPECT_EQ(*ReadFrame(reader(), 1024, Soon()), binary);
}

TEST_F(FrameIoTest, LargePayloadCrossesThePipeBufferWithAConcurrentReader) {
  const std::string big(3 << 20, 'x');
  std::thread writer_thread(
      [&] { ASSERT_TRUE(WriteFrame(writer(), big).ok()); });
  auto frame = ReadFrame(reader(), 4 << 20, Soon());
  writer_thread.join();
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->size(), big.size());
}

TEST_F(FrameIoTest, OversizeAnnouncedLengthIsRefused) {
  ASSERT_TRUE(WriteFrame(writer(), std::string(100, 'y')).ok());
  auto frame = ReadFrame(reader(), 10, Soon());
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(FrameIoTest, WriterRefusesOversizePayload) {
  EXPECT_EQ(WriteFrame(writer(), std::string(11, 'z'), 10).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FrameIoTest, EndOfStreamIsUnavailable) {
  ASSERT_EQ(write(writer(), "\0\0", 2), 2);  // Half a header, then EOF.
  CloseWriter();
  EXPECT_EQ(ReadFrame(reader(), 10, Soon()).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(FrameIoTest, DeadlineExpires) {
  absl::Time start = absl::Now();
  auto frame = ReadFrame(reader(), 10, start + absl::Milliseconds(60));
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST_F(FrameIoTest, CancellationStopsAWaitingRead) {
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(50));
    cancel = true;
  });
  auto frame = ReadFrame(reader(), 10, absl::Now() + absl::Seconds(30),
                         [&] { return cancel.load(); });
  canceller.join();
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kCancelled);
}

// A caller that gives up waiting leaves the stream in step: the frame that
// comes later is read whole.
TEST_F(FrameIoTest, WaitingForAFrameReadsNothingOfIt) {
  EXPECT_EQ(WaitForFrame(reader(), absl::Now() + absl::Milliseconds(30),
                         [] { return false; })
                .code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(WaitForFrame(reader(), Soon(), [] { return true; }).code(),
            absl::StatusCode::kCancelled);
  ASSERT_TRUE(WriteFrame(writer(), "later").ok());
  ASSERT_TRUE(WaitForFrame(reader(), Soon()).ok());
  ASSERT_TRUE(WaitForFrame(reader(), Soon()).ok());  // Still there.
  auto frame = ReadFrame(reader(), 10, Soon());
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(*frame, "later");
}

}  // namespace
}  // namespace mfgate
