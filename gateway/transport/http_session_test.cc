#include "gateway/transport/http_session.h"

#include <memory>
#include <string>
#include <thread>

#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/jsonrpc.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using json = nlohmann::json;

mcp::Message Parse(const json& message) {
  mcp::Incoming incoming = mcp::ParseMessages(message.dump());
  EXPECT_TRUE(incoming.items.at(0).message.has_value());
  return *incoming.items.at(0).message;
}

class HttpSessionTest : public ::testing::Test {
 protected:
  explicit HttpSessionTest(const std::string& version = "2025-06-18")
      : session_("s1", "tenant", mcp::Handlers{&tools_},
                 mcp::SessionOptions()) {
    auto initialized = session_.Exchange(
        Parse({{"jsonrpc", "2.0"},
               {"id", 0},
               {"method", "initialize"},
               {"params",
                {{"protocolVersion", version},
                 {"capabilities", json::object()},
                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}),
        absl::Seconds(10));
    EXPECT_TRUE(initialized.has_value() &&
                json::parse(*initialized).contains("result"));
    session_.Exchange(
        Parse({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}),
        absl::Seconds(10));
  }

  // Calls `echo` as a streamed request and returns its one event.
  StreamEvent Echo(int id, const std::string& text) {
    auto stream = session_.Start(
        Parse({{"jsonrpc", "2.0"},
               {"id", id},
               {"method", "tools/call"},
               {"params", {{"name", "echo"}, {"arguments", {{"t", text}}}}}}));
    std::optional<StreamEvent> event = stream->Next(absl::Seconds(10));
    EXPECT_TRUE(event.has_value());
    EXPECT_TRUE(stream->finished());
    return event.value_or(StreamEvent{});
  }

  // Starts the `wait` tool as request `id` (it blocks until cancelled).
  std::shared_ptr<RequestStream> StartWait(const json& id,
                                           bool with_progress = false) {
    json params = {{"name", "wait"}, {"arguments", json::object()}};
    if (with_progress) params["_meta"] = {{"progressToken", "p"}};
    auto stream = session_.Start(Parse({{"jsonrpc", "2.0"},
                                        {"id", id},
                                        {"method", "tools/call"},
                                        {"params", params}}));
    while (!tools_.started) absl::SleepFor(absl::Milliseconds(1));
    return stream;
  }

  mcp::FakeTools tools_;
  HttpSession session_;
};

json Error(const std::string& text) { return json::parse(text)["error"]; }

TEST_F(HttpSessionTest, AnIdInFlightIsNotReusedAndTheReuseAnsweredAtOnce) {
  StartWait(7);
  EXPECT_FALSE(session_.idle());
  const absl::Time begin = absl::Now();
  auto reused = session_.Exchange(
      Parse({{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}}),
      absl::Seconds(30));
  ASSERT_TRUE(reused.has_value());
  EXPECT_LT(absl::Now() - begin, absl::Seconds(1));
  EXPECT_EQ(Error(*reused)["code"], mcp::kInvalidRequest);
  EXPECT_EQ(Error(*reused)["message"], "Invalid Request: id already in use");
  // As a stream: ended at once with the same error.
  auto stream = session_.Start(
      Parse({{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}}));
  std::optional<StreamEvent> event = stream->Next(absl::Seconds(1));
  ASSERT_TRUE(event.has_value() && event->data != nullptr);
  EXPECT_EQ(Error(*event->data)["code"], mcp::kInvalidRequest);
  EXPECT_TRUE(stream->finished());
  EXPECT_FALSE(tools_.saw_cancel);  // The first call runs on.
}

TEST_F(HttpSessionTest, AClientGoneBeforeAnyEventCancelsItsCall) {
  std::optional<std::string> answer;
  std::thread post([&] {
    answer = session_.Exchange(
        Parse({{"jsonrpc", "2.0"},
               {"id", 8},
               {"method", "tools/call"},
               {"params", {{"name", "wait"}, {"arguments", json::object()}}}}),
        absl::Seconds(30));
  });
  while (!tools_.started) absl::SleepFor(absl::Milliseconds(1));
  session_.ClientGone(8);
  post.join();
  EXPECT_TRUE(tools_.saw_cancel);
  EXPECT_EQ(answer, std::nullopt);  // Cancelled: no response.
  EXPECT_TRUE(session_.idle());
}

TEST_F(HttpSessionTest, AClientThatMayResumeKeepsItsCallForAGrace) {
  auto stream = StartWait(9, /*with_progress=*/true);
  ASSERT_TRUE(stream->Next(absl::Seconds(5)).has_value());  // The progress.
  stream->MarkDelivered();
  session_.ClientGone(9);
  // The stream's writer has no client left: it ends at once (a drain waits
  // for it), though the call keeps running for a while.
  std::optional<StreamEvent> ended = stream->Next(absl::Seconds(5));
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->data, nullptr);
  EXPECT_TRUE(stream->finished());
  EXPECT_EQ(session_.ExpireDetached(absl::Now()), 0);  // It may come back...
  EXPECT_EQ(session_.ExpireDetached(absl::Now() + HttpSession::kResumeGrace),
            1);
  EXPECT_TRUE(tools_.AwaitSawCancel(absl::Seconds(5)));  // ... but did not.
}

TEST(StatelessHttpSessionTest, AClientGoneAfterSomeEventsCancelsItsCall) {
  // A stateless (2026-07-28) request has no session to come back to.
  mcp::FakeTools tools;
  mcp::SessionOptions options;
  options.stateless_only = true;
  HttpSession session("", "tenant", mcp::Handlers{&tools}, options);
  json params = {
      {"name", "wait"},
      {"arguments", json::object()},
      {"_meta",
       {{"progressToken", "p"},
        {"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
        {"io.modelcontextprotocol/clientCapabilities", json::object()}}}};
  auto stream = session.Start(Parse({{"jsonrpc", "2.0"},
                                     {"id", 3},
                                     {"method", "tools/call"},
                                     {"params", params}}));
  ASSERT_TRUE(stream->Next(absl::Seconds(5)).has_value());  // The progress.
  stream->MarkDelivered();
  session.ClientGone(3);
  EXPECT_TRUE(tools.AwaitSawCancel(absl::Seconds(5)));
  // Cancelled: it ends with no response.
  std::optional<StreamEvent> ended = stream->Next(absl::Seconds(5));
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->data, nullptr);
  EXPECT_TRUE(stream->finished());
}

TEST_F(HttpSessionTest, AClientThatComesBackKeepsTheCall) {
  auto stream = StartWait(10, /*with_progress=*/true);
  ASSERT_TRUE(stream->Next(absl::Seconds(5)).has_value());
  stream->MarkDelivered();
  session_.ClientGone(10);
  ASSERT_TRUE(session_.OpenStandaloneStream());  // Back for the rest.
  EXPECT_EQ(session_.ExpireDetached(absl::Now() + HttpSession::kResumeGrace),
            0);
  session_.Close();
}

TEST_F(HttpSessionTest, EventsAreSerializedOnceWithTheirIds) {
  StreamEvent first = Echo(1, "a");
  StreamEvent second = Echo(2, "b");
  ASSERT_NE(first.data, nullptr);
  EXPECT_EQ(second.id, first.id + 1);
  json response = json::parse(*second.data);
  EXPECT_EQ(response["id"], 2);
  EXPECT_EQ(response["result"]["structuredContent"]["t"], "b");
  EXPECT_EQ(session_.history_bytes(), first.data->size() + second.data->size());
}

TEST_F(HttpSessionTest, ReplayHistoryIsBoundedInBytes) {
  const std::string large(60 << 10, 'x');
  for (int id = 1; id <= 20; ++id) Echo(id, large);
  EXPECT_LE(session_.history_bytes(), HttpSession::kMaxBacklogBytes);
  EXPECT_GT(session_.history_bytes(), 2 * large.size());  // Recent ones kept.
  // An event larger than the budget is still kept until the next one.
  StreamEvent huge = Echo(21, std::string(1 << 20, 'y'));
  EXPECT_EQ(session_.history_bytes(), huge.data->size());
}

// A request cancelled while its POST waits ends that wait at once (it was
// held until the response timeout, ten minutes by default).
TEST_F(HttpSessionTest, ACancelledRequestEndsItsWait) {
  std::thread cancel([this] {
    while (!tools_.started) absl::SleepFor(absl::Milliseconds(1));
    session_.Exchange(Parse({{"jsonrpc", "2.0"},
                             {"method", "notifications/cancelled"},
                             {"params", {{"requestId", 5}}}}),
                      absl::Seconds(10));
  });
  const absl::Time start = absl::Now();
  std::optional<std::string> response =
      session_.Exchange(Parse({{"jsonrpc", "2.0"},
                               {"id", 5},
                               {"method", "tools/call"},
                               {"params", {{"name", "wait"}}}}),
                        absl::Minutes(10));
  cancel.join();
  EXPECT_EQ(response, std::nullopt);
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
}

class HttpBatchTest : public HttpSessionTest {
 protected:
  HttpBatchTest() : HttpSessionTest("2025-03-26") {}
};

TEST_F(HttpBatchTest, ABatchIsAnsweredAsOneArray) {
  EXPECT_EQ(session_.BatchRefusal(), std::nullopt);
  mcp::Incoming batch = mcp::ParseMessages(
      R"([{"jsonrpc":"2.0","id":1,"method":"tools/call",
           "params":{"name":"echo","arguments":{"t":"x"}}},
          {"jsonrpc":"2.0","id":2,"method":"ping"}])");
  std::optional<std::string> response =
      session_.ExchangeBatch(batch.items, absl::Seconds(10));
  ASSERT_TRUE(response.has_value());
  json responses = json::parse(*response);
  ASSERT_EQ(responses.size(), 2u) << responses;
  EXPECT_EQ(responses[0]["result"]["structuredContent"]["t"], "x");
  EXPECT_EQ(responses[1]["id"], 2);
  mcp::Incoming notes = mcp::ParseMessages(
      R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])");
  EXPECT_EQ(session_.ExchangeBatch(notes.items, absl::Seconds(10)),
            std::nullopt);
}

// The standalone stream: with no client on it the backlog keeps the newest
// events; an open stream its client does not read ends at the bound (its
// client resumes from its last event) instead of going on with a gap.
TEST_F(HttpSessionTest, AStandaloneStreamItsClientDoesNotReadEnds) {
  auto ping = [this](int id) {
    session_.Post(Parse({{"jsonrpc", "2.0"}, {"id", id}, {"method", "ping"}}));
  };
  const int bound = static_cast<int>(HttpSession::kMaxBacklog);
  for (int i = 0; i < bound + 10; ++i) ping(1000 + i);
  EXPECT_FALSE(session_.standalone_overrun());
  ASSERT_TRUE(session_.OpenStandaloneStream());
  std::optional<StreamEvent> kept =
      session_.NextStreamEvent(absl::ZeroDuration());
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(json::parse(*kept->data)["id"], 1010);  // The ten oldest went.

  ping(5000);  // The queue is at its bound again,
  EXPECT_FALSE(session_.standalone_overrun());
  ping(5001);  // and one more would drop the oldest.
  EXPECT_TRUE(session_.standalone_overrun());
  EXPECT_FALSE(session_.NextStreamEvent(absl::ZeroDuration()).has_value());

  // Its client comes back: a stream that starts afresh.
  session_.CloseStandaloneStream();
  ASSERT_TRUE(session_.OpenStandaloneStream());
  EXPECT_FALSE(session_.standalone_overrun());
  ping(9000);
  std::optional<StreamEvent> next = session_.NextStreamEvent(absl::Seconds(10));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(json::parse(*next->data)["id"], 9000);
}

// A call whose client reads its stream too slowly: the stream ends at its
// bound with an error, and the call is cancelled (its result could reach no
// one) by the time its writer has written that, rather than run to its end.
TEST_F(HttpSessionTest, ACallWhoseStreamOverranIsCancelledWhenItsWriterEnds) {
  auto stream = session_.Start(
      Parse({{"jsonrpc", "2.0"},
             {"id", 9},
             {"method", "tools/call"},
             {"params",
              {{"name", "wait"},
               {"arguments", {{"progress", 2 * HttpSession::kMaxBacklog}}},
               {"_meta", {{"progressToken", "p"}}}}}}));
  while (!tools_.started) absl::SleepFor(absl::Milliseconds(1));
  json last;
  while (std::optional<StreamEvent> event = stream->Next(absl::Seconds(10))) {
    ASSERT_NE(event->data, nullptr);
    last = json::parse(*event->data);
  }
  ASSERT_TRUE(stream->finished());
  EXPECT_EQ(last["id"], 9) << last;
  EXPECT_EQ(last["error"]["code"], mcp::kServerBusy) << last;
  // Cancelled by Start when the overrun came before it returned, else now.
  session_.StreamEnded(9);
  EXPECT_TRUE(tools_.AwaitSawCancel(absl::Seconds(5)));
}

// A listen whose client never reads: its queue stops at the bound and the
// stream ends with an error that names it, rather than growing with every
// change; the publisher never waits.
TEST(RequestStreamTest, AStreamItsClientDoesNotReadEndsAtItsBound) {
  mcp::Changes kinds;
  kinds.resources = true;
  mcp::ChangeFeed feed(kinds);
  mcp::FakeTools tools;
  mcp::Handlers handlers{&tools};
  handlers.changes = &feed;
  auto session = std::make_unique<HttpSession>("s", "tenant", handlers,
                                               mcp::SessionOptions());
  std::shared_ptr<RequestStream> stream = session->Start(Parse(
      {{"jsonrpc", "2.0"},
       {"id", 5},
       {"method", "subscriptions/listen"},
       {"params",
        {{"_meta",
          {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
           {"io.modelcontextprotocol/clientCapabilities", json::object()}}},
         {"notifications", {{"resourcesListChanged", true}}}}}}));
  for (size_t i = 0; i < 3 * HttpSession::kMaxBacklog; ++i) feed.Publish(kinds);
  size_t events = 0;
  json last;
  while (std::optional<StreamEvent> event =
             stream->Next(absl::ZeroDuration())) {
    ++events;
    ASSERT_NE(event->data, nullptr);
    last = json::parse(*event->data);
  }
  EXPECT_LE(events, HttpSession::kMaxBacklog + 1);
  EXPECT_TRUE(stream->finished());
  EXPECT_EQ(last["id"], 5) << last;
  EXPECT_EQ(last["error"]["code"], mcp::kServerBusy) << last;
  EXPECT_NE(last["error"]["message"].get<std::string>().find(
                std::to_string(HttpSession::kMaxBacklog)),
            std::string::npos)
      << last;
  session.reset();  // Before the feed it listens to.
}

}  // namespace
}  // namespace mfgate::transport
