#include "common/line_forwarder.h"

#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "common/stderr_capture.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mfgate {
namespace {

void Write(int fd, const std::string& text) {
  ASSERT_EQ(write(fd, text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
}

TEST(LineForwarderTest, EachLineBecomesOneJsonEvent) {
  SetLogFormat(LogFormat::kJson);
  std::string out = CapturedStderr([] {
    auto forwarder = LineForwarder::Start("engine", LogLevel::kInfo);
    ASSERT_TRUE(forwarder.ok());
    Write((*forwarder)->write_fd(), "first line\nsecond ");
    Write((*forwarder)->write_fd(), "\"half\"\r\n\nunterminated");
  });  // The destructor logs what is left, the unterminated tail too.
  SetLogFormat(LogFormat::kText);
  std::istringstream lines(out);
  std::vector<std::string> messages;
  for (std::string line; std::getline(lines, line);) {
    messages.push_back(nlohmann::json::parse(line)["msg"]);
  }
  EXPECT_EQ(messages, (std::vector<std::string>{"engine: first line",
                                                "engine: second \"half\"",
                                                "engine: unterminated"}));
}

TEST(LineForwarderTest, OverlongLinesGoOutInPieces) {
  std::string out = CapturedStderr([] {
    auto forwarder = LineForwarder::Start("child", LogLevel::kWarning);
    ASSERT_TRUE(forwarder.ok());
    Write((*forwarder)->write_fd(), std::string(40000, 'x') + "\nok\n");
  });
  std::istringstream lines(out);
  size_t xs = 0;
  std::vector<std::string> tails;
  for (std::string line; std::getline(lines, line);) {
    size_t n = std::count(line.begin(), line.end(), 'x');
    EXPECT_LE(n, 16u << 10);
    xs += n;
    tails.push_back(line.substr(line.size() - 9));
  }
  EXPECT_EQ(xs, 40000u);        // Nothing lost.
  ASSERT_EQ(tails.size(), 4u);  // 16 KiB + 16 KiB + the rest, then "ok".
  EXPECT_EQ(tails.back(), "child: ok");
}

// A worker's lines are log lines already: relayed as they are, and its last
// error remembered (it says why the worker stopped).
TEST(LineForwarderTest, RelayKeepsLinesAndTheLastError) {
  std::string last_error;
  std::string out = CapturedStderr([&] {
    auto forwarder = LineForwarder::Relay();
    ASSERT_TRUE(forwarder.ok());
    Write((*forwarder)->write_fd(),
          "2026-01-01T00:00:00.000Z mfgate-worker ERROR first\n"
          "{\"level\":\"error\",\"msg\":\"--max-rows must be between\"}\n"
          "2026-01-01T00:00:00.000Z mfgate-worker INFO fine password=pw1\n");
    (*forwarder)->WaitForwarded(absl::Seconds(5));
    last_error = (*forwarder)->TakeLastError();
    EXPECT_EQ((*forwarder)->TakeLastError(), "");
  });
  EXPECT_EQ(last_error, "--max-rows must be between");
  EXPECT_NE(out.find("mfgate-worker ERROR first\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("pw1"), std::string::npos) << out;
}

}  // namespace
}  // namespace mfgate
