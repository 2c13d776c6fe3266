// subscriptions/listen: acknowledgment first, the notifications a change
// calls for (and only those the filter asked for), tagged with the listen's
// id; cancellation and the server's end of a listen.
#include "gateway/mcp/listen.h"

#include <memory>
#include <string>
#include <vector>

#include "gateway/mcp/session_fixture.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

class FakeResources : public ResourceProvider {
 public:
  absl::StatusOr<json> ListResources() const override { return json::array(); }
  json ListResourceTemplates() const override { return json::array(); }
  absl::StatusOr<json> ReadResource(const std::string&) const override {
    return absl::NotFoundError("none");
  }
};

Changes ManifestChanges() {
  Changes changes;
  changes.resources = true;
  changes.resource_contents = true;
  return changes;
}

class ListenTest : public SessionTest {
 protected:
  ListenTest() : feed_(ManifestChanges()) {
    Handlers handlers{&tools_};
    handlers.resources = &resources_;
    handlers.changes = &feed_;
    session_ = std::make_unique<Session>(
        handlers, SessionOptions(), [this](const Outgoing& m) {
          absl::MutexLock lock(&mu_);
          if (m.text == nullptr) {
            unanswered_.push_back(m.related);
          } else {
            sent_.push_back(json::parse(*m.text));
          }
        });
  }
  // The session goes before the feed it listens to.
  ~ListenTest() override { session_.reset(); }

  static json Meta() {
    return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", json::object()}};
  }
  void Listen(const json& id, json notifications) {
    session_->HandleText(Request(id, "subscriptions/listen",
                                 {{"_meta", Meta()},
                                  {"notifications", std::move(notifications)}})
                             .dump());
  }
  json Method(const std::string& method, const json& id) {
    return WaitUntil([&](const json& m) {
      return m.value("method", "") == method &&
             m["params"]["_meta"][kMetaSubscriptionId] == id;
    });
  }
  int Count(const std::string& method) {
    int n = 0;
    for (const json& m : Sent()) n += m.value("method", "") == method;
    return n;
  }

  FakeResources resources_;
  ChangeFeed feed_;
};

TEST_F(ListenTest, AcknowledgesWhatItHonorsThenNotifiesChanges) {
  Listen(7, {{"toolsListChanged", true},
             {"resourcesListChanged", true},
             {"resourceSubscriptions", {"metricflow://metric/revenue"}}});
  json ack = Method("notifications/subscriptions/acknowledged", 7);
  ASSERT_TRUE(ack.is_object());
  // Tools never change while a session lasts: not honored.
  EXPECT_EQ(ack["params"]["notifications"],
            (json{{"resourcesListChanged", true},
                  {"resourceSubscriptions", {"metricflow://metric/revenue"}}}));
  EXPECT_EQ(Sent().front(), ack);  // First on the subscription.

  feed_.Publish(ManifestChanges());
  EXPECT_TRUE(Method("notifications/resources/list_changed", 7).is_object());
  json updated = Method("notifications/resources/updated", 7);
  ASSERT_TRUE(updated.is_object());
  EXPECT_EQ(updated["params"]["uri"], "metricflow://metric/revenue");
  EXPECT_EQ(Count("notifications/tools/list_changed"), 0);
  // Still open: no response yet.
  for (const json& m : Sent()) EXPECT_FALSE(m.contains("id")) << m;
}

TEST_F(ListenTest, SendsOnlyWhatTheFilterAsked) {
  Listen("a", {{"promptsListChanged", true}});
  ASSERT_TRUE(
      Method("notifications/subscriptions/acknowledged", "a").is_object());
  Listen("b", {{"resourcesListChanged", true}});
  ASSERT_TRUE(
      Method("notifications/subscriptions/acknowledged", "b").is_object());
  feed_.Publish(ManifestChanges());
  ASSERT_TRUE(Method("notifications/resources/list_changed", "b").is_object());
  EXPECT_EQ(Count("notifications/resources/list_changed"), 1);
  EXPECT_EQ(Count("notifications/resources/updated"), 0);
}

TEST_F(ListenTest, CancelledListenEndsWithoutResponseAndHearsNoMore) {
  Listen(3, {{"resourcesListChanged", true}});
  ASSERT_TRUE(
      Method("notifications/subscriptions/acknowledged", 3).is_object());
  session_->HandleText(json{
      {"jsonrpc", "2.0"},
      {"method", "notifications/cancelled"},
      {"params",
       {{"requestId", 3}}}}.dump());
  {
    absl::MutexLock lock(&mu_);
    ASSERT_EQ(unanswered_.size(), 1u);
    EXPECT_EQ(unanswered_.front(), 3);
  }
  feed_.Publish(ManifestChanges());
  EXPECT_EQ(Count("notifications/resources/list_changed"), 0);
}

TEST_F(ListenTest, CloseEndsListensWithTheirResponse) {
  Listen(5, {{"resourcesListChanged", true}});
  ASSERT_TRUE(
      Method("notifications/subscriptions/acknowledged", 5).is_object());
  session_->Close();
  json closed = WaitFor(5);
  ASSERT_TRUE(closed.contains("result")) << closed;
  EXPECT_EQ(closed["result"]["resultType"], "complete");
  EXPECT_EQ(closed["result"]["_meta"][kMetaSubscriptionId], 5);
  feed_.Publish(ManifestChanges());
  EXPECT_EQ(Count("notifications/resources/list_changed"), 0);
}

TEST_F(ListenTest, RefusesBadFiltersAndTooManyListens) {
  Listen(1, {{"toolsListChanged", "yes"}});
  EXPECT_EQ(WaitFor(1)["error"]["code"], kInvalidParams);
  Listen(2, {{"resourceSubscriptions", {42}}});
  EXPECT_EQ(WaitFor(2)["error"]["code"], kInvalidParams);
  session_->HandleText(
      Request(4, "subscriptions/listen", {{"_meta", Meta()}}).dump());
  EXPECT_EQ(WaitFor(4)["error"]["code"], kInvalidParams);
  for (int i = 0; i < static_cast<int>(Listens::kMaxListens); ++i) {
    Listen(100 + i, json::object());
  }
  Listen(999, json::object());
  EXPECT_EQ(WaitFor(999)["error"]["code"], kInvalidRequest);
}

TEST_F(ListenTest, AListenPastTheFeedsBoundIsRefusedNotLeftDeaf) {
  std::vector<uint64_t> others;
  for (size_t i = 0; i < ChangeFeed::kMaxListeners; ++i) {
    others.push_back(feed_.Subscribe([](const Changes&) {}));
  }
  Listen(11, {{"resourcesListChanged", true}});
  json refused = WaitFor(11);
  ASSERT_TRUE(refused.contains("error")) << refused;
  EXPECT_EQ(refused["error"]["code"], kServerBusy);
  EXPECT_NE(refused["error"]["message"].get<std::string>().find(
                std::to_string(ChangeFeed::kMaxListeners)),
            std::string::npos)
      << refused;
  EXPECT_EQ(Count("notifications/subscriptions/acknowledged"), 0);
  // A slot freed: a listen is followed again.
  feed_.Unsubscribe(others.back());
  Listen(12, {{"resourcesListChanged", true}});
  ASSERT_TRUE(
      Method("notifications/subscriptions/acknowledged", 12).is_object());
  feed_.Publish(ManifestChanges());
  EXPECT_TRUE(Method("notifications/resources/list_changed", 12).is_object());
  for (size_t i = 0; i + 1 < others.size(); ++i) feed_.Unsubscribe(others[i]);
}

TEST_F(ListenTest, ModernCapabilitiesSayWhatListensTell) {
  json discover = Call(Request(9, "server/discover", {{"_meta", Meta()}}));
  const json& caps = discover["result"]["capabilities"];
  EXPECT_EQ(caps["resources"]["listChanged"], true) << caps;
  EXPECT_EQ(caps["tools"]["listChanged"], false);
}

TEST_F(ListenTest, OlderRevisionsHaveNoListen) {
  Initialize("2025-11-25");
  json reply = Call(
      Request(8, "subscriptions/listen", {{"notifications", json::object()}}));
  EXPECT_EQ(reply["error"]["code"], kMethodNotFound);
}

TEST_F(ListenTest, OlderSessionsAreToldOnTheirOwnChannel) {
  Initialize("2025-06-18");
  json init = WaitFor(0);
  EXPECT_EQ(init["result"]["capabilities"]["resources"]["listChanged"], true);
  EXPECT_EQ(init["result"]["capabilities"]["tools"]["listChanged"], false);
  ASSERT_TRUE(Call(Request(2, "resources/subscribe",
                           {{"uri", "metricflow://metric/a"}}))
                  .contains("result"));
  feed_.Publish(ManifestChanges());
  json changed = WaitUntil([](const json& m) {
    return m.value("method", "") == "notifications/resources/list_changed";
  });
  ASSERT_TRUE(changed.is_object());
  EXPECT_EQ(changed["params"], json::object());  // Untagged: no listen.
  json updated = WaitUntil([](const json& m) {
    return m.value("method", "") == "notifications/resources/updated";
  });
  ASSERT_TRUE(updated.is_object());
  EXPECT_EQ(updated["params"], (json{{"uri", "metricflow://metric/a"}}));
  // Closed: told no more.
  session_->Close();
  feed_.Publish(ManifestChanges());
  EXPECT_EQ(Count("notifications/resources/list_changed"), 1);
}

TEST_F(ListenTest, AStatelessRequestFollowsNothing) {
  Call(Request(9, "server/discover", {{"_meta", Meta()}}));
  feed_.Publish(ManifestChanges());
  EXPECT_EQ(Count("notifications/resources/list_changed"), 0);
}

TEST(ChangeFeedTest, BoundsListeners) {
  ChangeFeed feed(Changes{});
  for (size_t i = 0; i < ChangeFeed::kMaxListeners; ++i) {
    ASSERT_NE(feed.Subscribe([](const Changes&) {}), 0u);
  }
  EXPECT_EQ(feed.Subscribe([](const Changes&) {}), 0u);
}

}  // namespace
}  // namespace mfgate::mcp
