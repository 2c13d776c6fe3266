#include "common/line_forwarder.h"

#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>

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

}  // namespace
}  // namespace mfgate
