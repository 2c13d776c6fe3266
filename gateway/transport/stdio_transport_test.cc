#include "gateway/transport/stdio_transport.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/stateless.h"
#include "gateway/mcp/tasks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using json = nlohmann::json;

// Runs the transport over pipes on `input` and returns the lines it wrote;
// `handlers` default to FakeTools of their own.
std::vector<json> RunOver(const std::string& input, StdioOptions options = {},
                          mcp::Handlers handlers = {}) {
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
  if (handlers.tools == nullptr) handlers.tools = &tools;
  absl::Status status =
      RunStdio(in[0], out[1], handlers, mcp::SessionOptions(), options);
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

TEST(StdioTransportTest, EndOfInputCancelsRunningTasks) {
  // A 2026-07-28 call of `wait` runs as a task, apart from the session: the
  // end of input cancels it all the same (its client can poll no more).
  // The tools outlive the test: the task's thread may still use them.
  static mcp::FakeTools* const tools = new mcp::FakeTools();
  auto tenant = std::make_shared<int>(0);
  StdioOptions options;
  options.drain_timeout = absl::Milliseconds(50);
  const json call = {
      {"jsonrpc", "2.0"},
      {"id", 4},
      {"method", "tools/call"},
      {"params",
       {{"name", "wait"},
        {"arguments", json::object()},
        {"_meta",
         {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientCapabilities",
           {{"extensions", {{mcp::kTasksExtension, json::object()}}}}}}}}}};
  auto messages =
      RunOver(call.dump() + "\n", options,
              mcp::Handlers{tools, nullptr, nullptr, nullptr, tenant});
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(messages[0]["result"]["resultType"], "task") << messages[0];
  const std::string id = messages[0]["result"]["taskId"];
  absl::StatusOr<mcp::TaskView> task =
      mcp::TaskStore::Shared().Get(mcp::TaskOwner{tenant, {}}, id);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->status, mcp::TaskStatus::kCancelled);
  // The call itself was cancelled: `wait` returns at once, well before its
  // own ten seconds.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!tools->saw_cancel && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(tools->saw_cancel);
}

}  // namespace
}  // namespace mfgate::transport
