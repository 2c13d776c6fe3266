#include "gateway/transport/stdio_transport.h"

#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gateway/mcp/fake_tools.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using json = nlohmann::json;

// Runs the transport over pipes on `input` and returns the lines it wrote.
std::vector<json> RunOver(const std::string& input, StdioOptions options = {}) {
  int in[2], out[2];
  EXPECT_EQ(pipe(in), 0);
  EXPECT_EQ(pipe(out), 0);
  mcp::FakeTools tools;
  std::thread writer([&] {
    size_t done = 0;
    while (done < input.size()) {
      ssize_t n = write(in[1], input.data() + done, input.size() - done);
      if (n <= 0) break;
      done += n;
    }
    close(in[1]);
  });
  std::string output;
  std::thread reader([&] {
    char buffer[4096];
    ssize_t n;
    while ((n = read(out[0], buffer, sizeof(buffer))) > 0)
      output.append(buffer, n);
  });
  absl::Status status = RunStdio(in[0], out[1], mcp::Handlers{&tools},
                                 mcp::SessionOptions(), options);
  EXPECT_TRUE(status.ok()) << status;
  writer.join();
  close(out[1]);
  reader.join();
  close(in[0]);
  close(out[0]);
  std::vector<json> messages;
  for (absl::string_view line :
       absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    messages.push_back(json::parse(line));
  }
  return messages;
}

constexpr char kInit[] =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})";

TEST(StdioTransportTest, AnswersLineByLineIncludingCrlfAndBlankLines) {
  auto messages = RunOver(
      std::string(kInit) + "\r\n\n" +
      R"({"jsonrpc":"2.0","id":1,"method":"ping"})" + "\n" +
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"a":1}}})");
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0]["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(messages[1]["id"], 1);
  EXPECT_EQ(messages[2]["result"]["structuredContent"]["a"], 1);
}

TEST(StdioTransportTest, OversizeLineIsRefusedAndTheNextServed) {
  StdioOptions options;
  options.max_line_bytes = 1024;
  auto messages =
      RunOver(std::string(kInit) + "\n" + std::string(100000, 'x') + "\n" +
                  R"({"jsonrpc":"2.0","id":5,"method":"ping"})" + "\n",
              options);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[1]["error"]["code"], mcp::kInvalidRequest);
  EXPECT_THAT(messages[1]["error"]["message"].dump(),
              ::testing::HasSubstr("too large"));
  EXPECT_EQ(messages[2]["id"], 5);
}

TEST(StdioTransportTest, MalformedJsonIsAnsweredAndServingContinues) {
  auto messages = RunOver(std::string("{not json\n") +
                          R"({"jsonrpc":"2.0","id":1,"method":"ping"})" + "\n");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["error"]["code"], mcp::kParseError);
  EXPECT_EQ(messages[1]["id"], 1);
}

TEST(StdioTransportTest, EndOfInputCancelsRunningCalls) {
  // `wait` blocks until cancelled: after the drain time EOF cancels it, and
  // no response follows.
  StdioOptions options;
  options.drain_timeout = absl::Milliseconds(50);
  auto messages = RunOver(
      std::string(kInit) + "\n" +
          R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"wait"}})" +
          "\n",
      options);
  ASSERT_EQ(messages.size(), 1u);
}

}  // namespace
}  // namespace mfgate::transport
