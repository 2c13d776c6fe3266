#include "gateway/transport/http_listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "gateway/transport/test_client.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using testing::Ask;
using testing::Connect;

bool Answer(ConnectionStream& stream) {
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  return stream.write(ok.data(), ok.size()) == static_cast<ssize_t>(ok.size());
}

class HttpListenerTest : public ::testing::Test {
 protected:
  void Start(ListenerOptions options) {
    auto listener = HttpListener::Start(
        options,
        [](const RequestHead& head) {
          return head.path == "/health" ? HttpListener::Lane::kInline
                                        : HttpListener::Lane::kRequest;
        },
        [this](ConnectionStream& stream, bool) {
          if (blocking_ &&
              !absl::StartsWith(stream.connection()->buffer(), "GET /health")) {
            // Waits for the test, or for the client to go away.
            stream.connection()->OnGone([this] { gone_.Notify(); });
            release_.WaitForNotificationWithTimeout(absl::Seconds(20));
          }
          return Answer(stream);
        });
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = std::move(*listener);
  }
  void TearDown() override {
    if (!release_.HasBeenNotified()) release_.Notify();
    listener_.reset();
  }

  bool blocking_ = false;
  absl::Notification release_;
  absl::Notification gone_;
  std::unique_ptr<HttpListener> listener_;
};

constexpr char kGet[] = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
constexpr char kHealth[] = "GET /health HTTP/1.1\r\nHost: h\r\n\r\n";

TEST_F(HttpListenerTest, AnswersAndKeepsTheConnection) {
  Start(ListenerOptions());
  int fd = -1;
  EXPECT_TRUE(
      absl::StartsWith(Ask(listener_->port(), kGet, &fd), "HTTP/1.1 200 OK"));
  ASSERT_EQ(send(fd, kGet, sizeof(kGet) - 1, 0), ssize_t{sizeof(kGet) - 1});
  char buffer[256];
  EXPECT_GT(recv(fd, buffer, sizeof(buffer), 0), 0);  // Same connection.
  close(fd);
}

TEST_F(HttpListenerTest, AFullRequestLaneIsRefusedAndInlineStillAnswers) {
  ListenerOptions options;
  options.request_threads = 1;
  options.max_queued_requests = 0;
  blocking_ = true;
  Start(options);
  int held = -1;
  const int fd = Connect(listener_->port());
  ASSERT_EQ(send(fd, kGet, sizeof(kGet) - 1, 0), ssize_t{sizeof(kGet) - 1});
  // The one thread is taken (a request may race it: retry until refused).
  std::string refused;
  for (int i = 0; i < 200 && !absl::StartsWith(refused, "HTTP/1.1 503"); ++i) {
    refused = Ask(listener_->port(), kGet);
  }
  EXPECT_TRUE(absl::StartsWith(refused, "HTTP/1.1 503")) << refused;
  EXPECT_TRUE(absl::StrContains(refused, "Retry-After: 1"));
  EXPECT_TRUE(absl::StrContains(refused, "\"code\":-32000"));
  EXPECT_TRUE(absl::StartsWith(Ask(listener_->port(), kHealth, &held),
                               "HTTP/1.1 200 OK"));
  close(held);
  release_.Notify();
  close(fd);
}

TEST_F(HttpListenerTest, AClientThatGoesAwayRunsItsHandlersHooks) {
  blocking_ = true;
  Start(ListenerOptions());
  const int fd = Connect(listener_->port());
  ASSERT_EQ(send(fd, kGet, sizeof(kGet) - 1, 0), ssize_t{sizeof(kGet) - 1});
  // Whether the handler registered its hook before or after the close, it
  // runs once the reactor sees the client gone.
  close(fd);
  EXPECT_TRUE(gone_.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST_F(HttpListenerTest, ATricklingClientIsCutOffAtTheReadDeadline) {
  ListenerOptions options;
  options.request_read_timeout = absl::Milliseconds(300);
  Start(options);
  int fd = -1;
  const std::string answer =
      Ask(listener_->port(), "GET /x HTTP/1.1\r\nHost:", &fd);
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 408")) << answer;
  close(fd);
}

TEST_F(HttpListenerTest, ConnectionsPastTheLimitAre503) {
  ListenerOptions options;
  options.max_connections = 1;
  Start(options);
  int first = -1;
  EXPECT_TRUE(
      absl::StartsWith(Ask(listener_->port(), kGet, &first), "HTTP/1.1 200"));
  EXPECT_TRUE(absl::StartsWith(Ask(listener_->port(), kGet), "HTTP/1.1 503"));
  close(first);
}

}  // namespace
}  // namespace mfgate::transport
