#include "gateway/transport/stdio_transport.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
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
  // end of input cancels it all the same (its client can poll no more),
  // and RunStdio returns once its call has: the tools may go then.
  mcp::FakeTools fake_tools;
  mcp::FakeTools* const tools = &fake_tools;
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
  // The call itself was cancelled, and had returned when RunStdio did.
  EXPECT_TRUE(mcp::TaskStore::Shared().AwaitCallsEnded(absl::Now()));
  EXPECT_TRUE(tools->saw_cancel);
}

// A client that does not read while changes are published: the publisher
// (the tenant's manifest watch) never waits for it, so another listener of
// the same feed hears every change; the unread listen ends with -32000.
TEST(StdioTransportTest, AClientThatDoesNotReadNeverBlocksThePublisher) {
  mcp::Changes kinds;
  kinds.resources = true;
  mcp::ChangeFeed feed(kinds);
  mcp::FakeTools tools;
  mcp::Handlers handlers{&tools};
  handlers.changes = &feed;
  int in[2], out[2];
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(pipe(out), 0);
  std::thread server([&] {
    EXPECT_TRUE(RunStdio(in[0], out[1], handlers, mcp::SessionOptions()).ok());
  });
  const std::string listen =
      json{{"jsonrpc", "2.0"},
           {"id", 3},
           {"method", "subscriptions/listen"},
           {"params",
            {{"_meta",
              {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
               {"io.modelcontextprotocol/clientCapabilities", json::object()}}},
             {"notifications", {{"resourcesListChanged", true}}}}}}
          .dump() +
      "\n";
  ASSERT_EQ(write(in[1], listen.data(), listen.size()),
            static_cast<ssize_t>(listen.size()));
  // Up to its acknowledgment; then the client reads no more.
  std::string output;
  char c;
  while (output.find('\n') == std::string::npos && read(out[0], &c, 1) == 1)
    output.push_back(c);
  ASSERT_NE(output.find("acknowledged"), std::string::npos) << output;

  std::atomic<int> heard{0};
  const uint64_t other =
      feed.Subscribe([&heard](const mcp::Changes&) { ++heard; });
  constexpr int kChanges = 4000;  // Far more than a pipe and the outbox hold.
  absl::Notification published;
  std::thread publisher([&] {
    for (int i = 0; i < kChanges; ++i) feed.Publish(kinds);
    published.Notify();
  });
  const bool in_time =
      published.WaitForNotificationWithTimeout(absl::Seconds(20));
  EXPECT_TRUE(in_time) << "the publisher waited for the client";
  EXPECT_EQ(heard.load(), in_time ? kChanges : heard.load());
  // Now the client reads: what was queued, then the listen's end.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (output.find("-32000") == std::string::npos && absl::Now() < deadline) {
    pollfd readable{out[0], POLLIN, 0};
    if (poll(&readable, 1, 100) <= 0) continue;
    char buffer[4096];
    ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, n);
  }
  close(in[1]);  // End of input: the transport finishes.
  std::thread reader([&] {
    char buffer[4096];
    ssize_t n;
    while ((n = read(out[0], buffer, sizeof(buffer))) > 0)
      output.append(buffer, n);
  });
  publisher.join();
  server.join();
  close(out[1]);
  reader.join();
  feed.Unsubscribe(other);
  close(in[0]);
  close(out[0]);
  json ended;
  for (absl::string_view line :
       absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    json message = json::parse(line);
    if (message.contains("id")) ended = message;
  }
  EXPECT_EQ(ended["id"], 3) << ended;
  EXPECT_EQ(ended["error"]["code"], mcp::kServerBusy) << ended;
}

}  // namespace
}  // namespace mfgate::transport
