// The worker service's answers without an engine process: metadata from the
// engines' semantic index, also while the engine cannot start; and the
// caller's session passed to the engine.
#include <memory>
#include <string>

#include "common/call_headers.h"
#include "gmock/gmock.h"
#include "worker/service/worker_service_fixture.h"

namespace mfgate::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// An index of one metric, "revenue", with one dimension.
std::shared_ptr<const v1::SemanticIndex> OneMetric() {
  auto index = std::make_shared<v1::SemanticIndex>();
  v1::Metric* metric = index->mutable_metrics()->add_metrics();
  metric->set_name("revenue");
  metric->add_dimensions("customer__country");
  index->add_dimension_table()->set_name("customer__country");
  index->mutable_dimensions()->add_dimensions()->set_name("customer__country");
  v1::MetricLinks* links = index->add_links();
  links->set_metric("revenue");
  links->add_dimensions(0);
  return index;
}

std::string HeaderOf(const grpc::ClientContext& context, const char* name) {
  return HeaderValue(context.GetServerInitialMetadata(), name);
}

TEST_F(WorkerServiceTest, MetadataIsAnsweredFromTheIndexWithoutTheEngine) {
  engine_.SetManifest("sha-1");
  {
    absl::MutexLock lock(&engine_.mu);
    engine_.index = OneMetric();
  }
  auto context = Context();
  v1::ListMetricsResponse metrics;
  ASSERT_TRUE(
      stub_->ListMetrics(context.get(), v1::ListMetricsRequest(), &metrics)
          .ok());
  ASSERT_EQ(metrics.metrics_size(), 1);
  EXPECT_EQ(metrics.metrics(0).name(), "revenue");
  EXPECT_EQ(HeaderOf(*context, kManifestHeader), "sha-1");
  v1::ListDimensionsRequest one;
  one.add_metrics("revenue");
  v1::ListDimensionsResponse dimensions;
  ASSERT_TRUE(stub_->ListDimensions(Context().get(), one, &dimensions).ok());
  ASSERT_EQ(dimensions.dimensions_size(), 1);
  EXPECT_EQ(engine_.calls, 0);
  // Dimensions common to several metrics need MetricFlow's semantic graph.
  v1::EngineResponse reply;
  reply.mutable_list_dimensions();
  engine_.next = reply;
  v1::ListDimensionsRequest two = one;
  two.add_metrics("orders");
  ASSERT_TRUE(stub_->ListDimensions(Context().get(), two, &dimensions).ok());
  EXPECT_EQ(engine_.calls, 1);
}

// While the engine cannot start (say the warehouse is down), metadata the
// worker kept is still answered, whole and marked with why, redacted; calls
// that need the warehouse fail with the cause.
TEST_F(WorkerServiceTest, WhileTheEngineCannotStartMetadataSaysWhy) {
  engine_.SetManifest("sha-1");
  {
    absl::MutexLock lock(&engine_.mu);
    engine_.index = OneMetric();
    engine_.start_failure =
        "cannot connect to the warehouse: connect(password=hunter2) refused";
  }
  auto context = Context();
  context->AddMetadata(kIfManifestHeader, "sha-1");  // Not "not modified".
  v1::ListMetricsResponse metrics;
  ASSERT_TRUE(
      stub_->ListMetrics(context.get(), v1::ListMetricsRequest(), &metrics)
          .ok());
  EXPECT_EQ(metrics.metrics_size(), 1);
  const std::string down = HeaderOf(*context, kEngineDownHeader);
  EXPECT_THAT(down, HasSubstr("cannot connect to the warehouse"));
  EXPECT_THAT(down, Not(HasSubstr("hunter2")));
  // Not kept by the caller as the manifest's answer.
  EXPECT_EQ(HeaderOf(*context, kManifestHeader), "");
  EXPECT_EQ(HeaderOf(*context, kNotModifiedHeader), "");
  EXPECT_EQ(engine_.calls, 0);
}

TEST_F(WorkerServiceTest, TheCallersSessionReachesTheEngineCut) {
  v1::EngineResponse reply;
  reply.mutable_query();
  engine_.next = reply;
  v1::QueryRequest request;
  request.add_metrics("revenue");
  v1::QueryResponse response;
  auto context = Context();
  context->AddMetadata(kCallerHeader, std::string(100, 's'));
  ASSERT_TRUE(stub_->Query(context.get(), request, &response).ok());
  absl::MutexLock lock(&engine_.mu);
  EXPECT_EQ(engine_.last_caller, std::string(kMaxCallerBytes, 's'));
}

}  // namespace
}  // namespace mfgate::service
