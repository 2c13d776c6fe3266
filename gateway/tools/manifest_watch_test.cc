#include "gateway/tools/manifest_watch.h"

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

// A worker whose WatchManifest stream sends what the test queues, and ends
// when the test says so.
class StreamingWorker final : public v1::Worker::Service {
 public:
  grpc::Status WatchManifest(
      grpc::ServerContext* context, const v1::WatchManifestRequest*,
      grpc::ServerWriter<v1::ManifestState>* writer) override {
    {
      absl::MutexLock lock(&mu);
      ++opened;
    }
    while (!context->IsCancelled()) {
      {
        absl::MutexLock lock(&mu);
        if (end) {
          end = false;
          return grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting");
        }
        while (!queued.empty()) {
          v1::ManifestState state;
          state.set_manifest_sha256(queued.front());
          queued.pop_front();
          writer->Write(state);
        }
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return grpc::Status::CANCELLED;
  }

  void Send(const std::string& sha) {
    absl::MutexLock lock(&mu);
    queued.push_back(sha);
  }

  absl::Mutex mu;
  std::deque<std::string> queued ABSL_GUARDED_BY(mu);
  bool end ABSL_GUARDED_BY(mu) = false;
  int opened ABSL_GUARDED_BY(mu) = 0;
};

// Whether `condition` holds within ten seconds.
bool Eventually(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

class ManifestWatchTest : public ::testing::Test {
 protected:
  void Serve(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    stub_ = v1::Worker::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override {
    watch_.reset();
    server_->Shutdown();
  }

  StreamingWorker worker_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<v1::Worker::StubInterface> stub_;
  std::unique_ptr<ManifestWatch> watch_;
};

TEST_F(ManifestWatchTest, ConfirmsOnlyTheManifestTheWorkerServesNow) {
  Serve(&worker_);
  watch_ = std::make_unique<ManifestWatch>(stub_);
  EXPECT_FALSE(watch_->Confirms("m1"));  // Nothing heard yet.
  EXPECT_FALSE(watch_->Serving());
  worker_.Send("m1");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  EXPECT_TRUE(watch_->Serving());
  EXPECT_FALSE(watch_->Confirms("m2"));
  EXPECT_FALSE(watch_->Confirms(""));
  worker_.Send("");  // The engine is restarting.
  ASSERT_TRUE(Eventually([&] { return !watch_->Confirms("m1"); }));
  EXPECT_FALSE(watch_->Serving());
  EXPECT_FALSE(watch_->Confirms(""));
  worker_.Send("m2");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m2"); }));
  EXPECT_FALSE(watch_->Confirms("m1"));
}

TEST_F(ManifestWatchTest, TellsOfEachNewManifestButNotTheFirstNorARepeat) {
  Serve(&worker_);
  absl::Mutex mu;
  int changes = 0;
  watch_ = std::make_unique<ManifestWatch>(stub_, absl::Seconds(15),
                                           absl::Milliseconds(10), [&] {
                                             absl::MutexLock lock(&mu);
                                             ++changes;
                                           });
  auto changed = [&] {
    absl::MutexLock lock(&mu);
    return changes;
  };
  worker_.Send("m1");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  worker_.Send("");  // Restarting, then the same manifest again.
  worker_.Send("m1");
  worker_.Send("m1");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  worker_.Send("m2");  // A new manifest: told once.
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m2"); }));
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.end = true;  // A new stream repeats m2: no change.
  }
  worker_.Send("m2");
  worker_.Send("m3");
  worker_.Send("m4");
  // One thread tells of changes in order: once m4's is in, every earlier
  // one is (m2, m3).
  ASSERT_TRUE(Eventually([&] { return changed() >= 3; }));
  EXPECT_EQ(changed(), 3);
}

TEST_F(ManifestWatchTest, AnEndedStreamWithdrawsTheConfirmationAndIsReopened) {
  Serve(&worker_);
  watch_ = std::make_unique<ManifestWatch>(stub_, absl::Seconds(15),
                                           absl::Milliseconds(10));
  EXPECT_FALSE(watch_->WorkerLost());  // Not reached yet: waited for.
  worker_.Send("m1");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  EXPECT_FALSE(watch_->WorkerLost());
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.end = true;
  }
  ASSERT_TRUE(Eventually([&] { return !watch_->Confirms("m1"); }));
  EXPECT_TRUE(watch_->WorkerLost());
  ASSERT_TRUE(Eventually([&] {
    absl::MutexLock lock(&worker_.mu);
    return worker_.opened == 2;
  }));
  EXPECT_TRUE(watch_->WorkerLost());  // Open, but not answered yet.
  worker_.Send("m1");
  EXPECT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  EXPECT_FALSE(watch_->WorkerLost());
}

TEST_F(ManifestWatchTest, ASilentStreamStopsConfirming) {
  Serve(&worker_);
  watch_ = std::make_unique<ManifestWatch>(stub_, absl::Milliseconds(300));
  worker_.Send("m1");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  const absl::Time confirmed = absl::Now();
  ASSERT_TRUE(Eventually([&] { return !watch_->Confirms("m1"); }));
  EXPECT_GE(absl::Now() - confirmed, absl::Milliseconds(250));
  worker_.Send("m1");  // A heartbeat confirms it again.
  EXPECT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
}

TEST_F(ManifestWatchTest,
       AWorkerWithoutTheRpcIsNeverConfirmedAndStopsPromptly) {
  v1::Worker::Service older;  // Every RPC answers UNIMPLEMENTED.
  Serve(&older);
  watch_ = std::make_unique<ManifestWatch>(stub_);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(watch_->Confirms("m1"));
  EXPECT_FALSE(watch_->WorkerLost());  // Never answered: calls still wait.
  const absl::Time start = absl::Now();
  watch_.reset();  // Waiting a minute before asking again; not on this.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(ManifestWatchTest, StopsWhileTheStreamIsOpen) {
  Serve(&worker_);
  watch_ = std::make_unique<ManifestWatch>(stub_);
  worker_.Send("m1");
  ASSERT_TRUE(Eventually([&] { return watch_->Confirms("m1"); }));
  const absl::Time start = absl::Now();
  watch_.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace mfgate::tools
