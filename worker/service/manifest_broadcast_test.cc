#include "worker/service/manifest_broadcast.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::service {
namespace {

// A Worker service whose WatchManifest is `broadcast`'s (the only RPC used).
class WatchOnly final : public v1::Worker::CallbackService {
 public:
  explicit WatchOnly(ManifestBroadcast* broadcast) : broadcast_(broadcast) {}
  grpc::ServerWriteReactor<v1::ManifestState>* WatchManifest(
      grpc::CallbackServerContext*, const v1::WatchManifestRequest*) override {
    return broadcast_->Watch();
  }

 private:
  ManifestBroadcast* broadcast_;
};

// What one watch received until its stream ended.
struct Received {
  std::vector<std::string> states;
  grpc::Status status;
};

class ManifestBroadcastTest : public ::testing::Test {
 protected:
  void Start(absl::Duration heartbeat) {
    broadcast_ = std::make_unique<ManifestBroadcast>(heartbeat);
    service_ = std::make_unique<WatchOnly>(broadcast_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Worker::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override {
    broadcast_->Close();
    server_->Shutdown();
  }

  // Watches for `seconds` (the stream's deadline) or until the stream ends.
  Received Watch(double seconds) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(int(seconds * 1000)));
    auto reader = stub_->WatchManifest(&context, v1::WatchManifestRequest());
    Received received;
    v1::ManifestState state;
    while (reader->Read(&state))
      received.states.push_back(state.manifest_sha256());
    received.status = reader->Finish();
    return received;
  }

  // Waits until `n` watches are open.
  void AwaitWatchers(size_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (broadcast_->watchers() != n && absl::Now() < deadline)
      absl::SleepFor(absl::Milliseconds(2));
    ASSERT_EQ(broadcast_->watchers(), n);
  }

  std::unique_ptr<ManifestBroadcast> broadcast_;
  std::unique_ptr<WatchOnly> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

TEST_F(ManifestBroadcastTest, SendsTheCurrentStateThenEachChangeOnce) {
  Start(absl::Hours(1));
  broadcast_->Publish("sha-a");
  Received received;
  std::thread watcher([&] { received = Watch(2); });
  AwaitWatchers(1);
  // Repeats of a state already sent are not sent again (before a heartbeat).
  for (int i = 0; i < 20; ++i) broadcast_->Publish("sha-a");
  broadcast_->Publish("sha-b");
  for (int i = 0; i < 20; ++i) broadcast_->Publish("sha-b");
  broadcast_->Publish("");  // The engine stopped serving.
  watcher.join();
  EXPECT_EQ(received.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // Writes in flight coalesce to the newest state, so "sha-b" may be skipped;
  // the first and the last state always arrive, in order.
  ASSERT_GE(received.states.size(), 2u);
  EXPECT_LE(received.states.size(), 3u);
  EXPECT_EQ(received.states.front(), "sha-a");
  EXPECT_EQ(received.states.back(), "");
}

TEST_F(ManifestBroadcastTest, RepeatsAnUnchangedStateEachHeartbeat) {
  Start(absl::Milliseconds(50));
  broadcast_->Publish("sha-a");
  Received received;
  std::thread watcher([&] { received = Watch(1); });
  AwaitWatchers(1);
  const absl::Time end = absl::Now() + absl::Milliseconds(600);
  while (absl::Now() < end) {
    broadcast_->Publish("sha-a");
    absl::SleepFor(absl::Milliseconds(5));
  }
  watcher.join();
  // One on watching, then one per 50 ms for 600 ms (a loaded machine may
  // miss some); never one per Publish (120 of them).
  EXPECT_GE(received.states.size(), 4u);
  EXPECT_LE(received.states.size(), 14u);
  for (const std::string& state : received.states) EXPECT_EQ(state, "sha-a");
}

TEST_F(ManifestBroadcastTest, CloseEndsWatchesAndRefusesNewOnes) {
  Start(absl::Hours(1));
  broadcast_->Publish("sha-a");
  Received first;
  std::thread watcher([&] { first = Watch(30); });
  AwaitWatchers(1);
  broadcast_->Close();
  watcher.join();
  EXPECT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(first.states, std::vector<std::string>{"sha-a"});
  AwaitWatchers(0);
  Received later = Watch(5);
  EXPECT_EQ(later.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(later.states.empty());
}

TEST_F(ManifestBroadcastTest, AWatcherThatGoesAwayIsForgotten) {
  Start(absl::Hours(1));
  std::thread watcher([&] { Watch(0.3); });  // Its deadline ends it.
  AwaitWatchers(1);
  watcher.join();
  AwaitWatchers(0);
  broadcast_->Publish("sha-a");  // Reaches no one, crashes nothing.
}

}  // namespace
}  // namespace mfgate::service
