// The real mfgate-worker with its real MetricFlow engine on the demo project
// (the MetricFlow tutorial on DuckDB). Needs MFGATE_DEMO_PROJECT; `make test`
// sets it.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/field_error.h"
#include "common/grpc_status.h"
#include "common/wait_serving.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/worker_process.h"

namespace mfgate::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::unique_ptr<grpc::ClientContext> Context(int seconds = 120) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(seconds));
  return context;
}

// The engine process: the worker's only child.
pid_t EnginePid(pid_t worker) {
  std::ifstream children("/proc/" + std::to_string(worker) + "/task/" +
                         std::to_string(worker) + "/children");
  std::string text;
  std::getline(children, text);
  for (absl::string_view pid : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    int value;
    if (absl::SimpleAtoi(pid, &value)) return value;
  }
  // The supervisor thread forks the engine; look through every thread.
  for (int tid = worker; tid < worker + 4096; ++tid) {
    std::ifstream task("/proc/" + std::to_string(worker) + "/task/" +
                       std::to_string(tid) + "/children");
    if (!task) continue;
    std::getline(task, text);
    int value;
    if (!text.empty() &&
        absl::SimpleAtoi(text.substr(0, text.find(' ')), &value)) {
      return value;
    }
  }
  return 0;
}

class WorkerIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_FALSE(DemoProject().empty())
        << "MFGATE_DEMO_PROJECT must name the demo project (make test sets it)";
    health_address_ = "127.0.0.1:" + std::to_string(FreePort());
    auto worker = WorkerProcess::Start(
        DemoProject(), {"--health-listen", health_address_}, absl::Minutes(5));
    ASSERT_TRUE(worker.ok()) << worker.status();
    worker_ = worker->release();
  }
  static void TearDownTestSuite() {
    delete worker_;
    worker_ = nullptr;
  }
  v1::Worker::Stub& stub() { return worker_->stub(); }

  static WorkerProcess* worker_;
  static std::string health_address_;
};

WorkerProcess* WorkerIntegrationTest::worker_ = nullptr;
std::string WorkerIntegrationTest::health_address_;

// --health-listen: plaintext grpc.health.v1 for probes, and nothing else.
TEST_F(WorkerIntegrationTest, HealthPortAnswersHealthAndNothingElse) {
  auto channel =
      grpc::CreateChannel(health_address_, grpc::InsecureChannelCredentials());
  EXPECT_TRUE(
      WaitUntilServing(channel, absl::Now() + absl::Seconds(30), {}).ok());
  auto other = v1::Worker::NewStub(channel);
  v1::ListMetricsRequest request;
  v1::ListMetricsResponse response;
  EXPECT_EQ(
      other->ListMetrics(Context().get(), request, &response).error_code(),
      grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(WorkerIntegrationTest, ListsMetricsAndFiltersBySearch) {
  v1::ListMetricsRequest request;
  v1::ListMetricsResponse response;
  ASSERT_TRUE(stub().ListMetrics(Context().get(), request, &response).ok());
  std::set<std::string> names;
  for (const auto& metric : response.metrics()) names.insert(metric.name());
  EXPECT_THAT(names, Contains("transactions"));
  EXPECT_GE(names.size(), 5u);

  request.add_search("CANCEL");
  request.add_search("quick_buy");
  ASSERT_TRUE(stub().ListMetrics(Context().get(), request, &response).ok());
  names.clear();
  for (const auto& metric : response.metrics()) names.insert(metric.name());
  EXPECT_EQ(names, (std::set<std::string>{
                       "cancellation_rate", "cancellations", "cancellations_mx",
                       "quick_buy_amount_usd", "quick_buy_transactions"}));
}

TEST_F(WorkerIntegrationTest, EveryListTakesASearch) {
  v1::ListDimensionsRequest dimensions;
  dimensions.add_search("COUNTRY");
  v1::ListDimensionsResponse dimensions_response;
  ASSERT_TRUE(
      stub()
          .ListDimensions(Context().get(), dimensions, &dimensions_response)
          .ok());
  std::set<std::string> names;
  for (const auto& d : dimensions_response.dimensions()) names.insert(d.name());
  EXPECT_EQ(names, (std::set<std::string>{"country__region",
                                          "customer__country__region",
                                          "customer__customer_country"}));
  v1::ListEntitiesRequest entities;
  v1::ListEntitiesResponse entities_response;
  ASSERT_TRUE(
      stub().ListEntities(Context().get(), entities, &entities_response).ok());
  EXPECT_EQ(entities_response.entities_size(), 4);  // All, not the shared 2.
  entities.add_search("order");
  ASSERT_TRUE(
      stub().ListEntities(Context().get(), entities, &entities_response).ok());
  ASSERT_EQ(entities_response.entities_size(), 1);
  EXPECT_EQ(entities_response.entities(0).name(), "id_order");
  v1::ListSavedQueriesRequest saved;
  saved.add_search("cumulative");
  v1::ListSavedQueriesResponse saved_response;
  ASSERT_TRUE(
      stub().ListSavedQueries(Context().get(), saved, &saved_response).ok());
  ASSERT_EQ(saved_response.saved_queries_size(), 1);
  EXPECT_EQ(saved_response.saved_queries(0).name(),
            "cumulative_transaction_metrics");
}

TEST_F(WorkerIntegrationTest, DimensionValuesAreLimitedAndSearched) {
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__customer_country");  // No metrics.
  request.set_limit(2);
  v1::ListDimensionValuesResponse response;
  ASSERT_TRUE(
      stub().ListDimensionValues(Context().get(), request, &response).ok());
  EXPECT_EQ(response.values_size(), 2);
  EXPECT_TRUE(response.truncated());
  request.add_metrics("transactions");
  request.add_search("x");
  request.set_limit(0);
  ASSERT_TRUE(
      stub().ListDimensionValues(Context().get(), request, &response).ok());
  ASSERT_EQ(response.values_size(), 1);
  EXPECT_EQ(response.values(0).string_value(), "MX");
  EXPECT_FALSE(response.truncated());
}

TEST_F(WorkerIntegrationTest, SearchThatMatchesNothingIsAnEmptyList) {
  v1::ListMetricsRequest request;
  request.add_search("no_metric_is_named_this");
  v1::ListMetricsResponse response;
  grpc::Status status = stub().ListMetrics(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.metrics_size(), 0);
}

TEST_F(WorkerIntegrationTest, ListsDimensionsOfAMetric) {
  v1::ListDimensionsRequest request;
  request.add_metrics("transactions");
  v1::ListDimensionsResponse response;
  ASSERT_TRUE(stub().ListDimensions(Context().get(), request, &response).ok());
  std::set<std::string> names;
  for (const auto& d : response.dimensions()) names.insert(d.name());
  EXPECT_THAT(names, Contains("customer__customer_country"));
  EXPECT_THAT(names, Contains("metric_time"));
}

TEST_F(WorkerIntegrationTest, QueryReturnsTypedRows) {
  v1::QueryRequest request;
  request.add_metrics("transactions");
  request.add_group_by("metric_time__day");
  request.add_order_by("metric_time__day");
  request.set_limit(5);
  v1::QueryResponse response;
  grpc::Status status = stub().Query(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.columns_size(), 2);
  EXPECT_EQ(response.columns(0).name(), "metric_time__day");
  EXPECT_EQ(response.columns(1).name(), "transactions");
  ASSERT_EQ(response.rows_size(), 5);
  EXPECT_EQ(response.rows(0).values(0).kind_case(), v1::Value::kTimeValue);
  EXPECT_EQ(response.rows(0).values(1).kind_case(), v1::Value::kIntValue);
  EXPECT_LT(response.rows(0).values(0).time_value(),
            response.rows(1).values(0).time_value());
  EXPECT_THAT(response.sql(), HasSubstr("SELECT"));
  EXPECT_FALSE(response.truncated());
}

TEST_F(WorkerIntegrationTest, CompileOnlyReturnsSqlAndNoRows) {
  v1::QueryRequest request;
  request.add_metrics("transactions");
  request.add_group_by("customer__customer_country");
  request.set_compile_only(true);
  v1::QueryResponse response;
  ASSERT_TRUE(stub().Query(Context().get(), request, &response).ok());
  EXPECT_THAT(response.sql(), HasSubstr("customer_country"));
  EXPECT_EQ(response.rows_size(), 0);
}

TEST_F(WorkerIntegrationTest, WhereFilterAndSavedQueryRun) {
  v1::QueryRequest request;
  request.add_metrics("transactions");
  request.add_group_by("customer__customer_country");
  request.set_where("{{ Dimension('customer__customer_country') }} = 'MX'");
  v1::QueryResponse response;
  ASSERT_TRUE(stub().Query(Context().get(), request, &response).ok());
  ASSERT_EQ(response.rows_size(), 1);
  EXPECT_EQ(response.rows(0).values(0).string_value(), "MX");

  v1::QueryRequest saved;
  saved.set_saved_query("core_transaction_metrics");
  ASSERT_TRUE(stub().Query(Context().get(), saved, &response).ok());
  EXPECT_GT(response.rows_size(), 0);
}

TEST_F(WorkerIntegrationTest, UnknownMetricCarriesSuggestions) {
  v1::QueryRequest request;
  request.add_metrics("transaction");
  v1::QueryResponse response;
  absl::Status status =
      FromGrpcStatus(stub().Query(Context().get(), request, &response));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(ErrorSuggestions(status), Contains("transactions")) << status;
}

TEST_F(WorkerIntegrationTest, InjectionInWhereNeverReachesTheEngine) {
  v1::QueryRequest request;
  request.add_metrics("transactions");
  request.set_where(
      "{{ Dimension('customer__customer_country') }} IN (SELECT * FROM "
      "read_csv('/etc/passwd'))");
  v1::QueryResponse response;
  absl::Status status =
      FromGrpcStatus(stub().Query(Context().get(), request, &response));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(status), "where");
}

TEST_F(WorkerIntegrationTest, KilledEngineIsReplacedAndTheNextCallAnswered) {
  pid_t engine = EnginePid(worker_->process().pid());
  ASSERT_GT(engine, 0);
  ASSERT_EQ(kill(engine, SIGKILL), 0);
  // Dimension values read the warehouse: never a cached metadata answer.
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__customer_country");
  request.add_metrics("transactions");
  v1::ListDimensionValuesResponse response;
  grpc::Status status =
      stub().ListDimensionValues(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(response.values_size(), 0);
  EXPECT_NE(EnginePid(worker_->process().pid()), engine);
}

TEST_F(WorkerIntegrationTest, HealthChecksAndValidationRun) {
  v1::HealthChecksResponse health;
  ASSERT_TRUE(
      stub()
          .HealthChecks(Context().get(), v1::HealthChecksRequest(), &health)
          .ok());
  ASSERT_GT(health.checks_size(), 0);
  EXPECT_TRUE(health.checks(0).ok());

  v1::ValidateConfigsRequest request;
  request.set_skip_dw(true);
  v1::ValidateConfigsResponse validation;
  grpc::Status status =
      stub().ValidateConfigs(Context().get(), request, &validation);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(validation.ok()) << validation.summary();
}

// An engine never outlives its worker, even a SIGKILL'd one.
TEST(WorkerLifetimeTest, EngineDiesWithItsWorker) {
  ASSERT_FALSE(DemoProject().empty());
  auto worker = WorkerProcess::Start(DemoProject(), {}, absl::Minutes(5));
  ASSERT_TRUE(worker.ok()) << worker.status();
  pid_t engine = EnginePid((*worker)->process().pid());
  ASSERT_GT(engine, 0);
  (*worker)->process().Signal(SIGKILL);
  (*worker)->process().WaitUntil(absl::InfiniteFuture());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (IsProcessRunning(engine) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_FALSE(IsProcessRunning(engine))
      << "engine " << engine << " outlived its worker";
}

// The cli engine (mf per request) must agree with the persistent one.
TEST(CliEngineIntegrationTest, AgreesWithThePersistentEngine) {
  ASSERT_FALSE(DemoProject().empty());
  auto cli =
      WorkerProcess::Start(DemoProject(), {"--engine=cli"}, absl::Seconds(60));
  ASSERT_TRUE(cli.ok()) << cli.status();
  v1::QueryRequest request;
  request.add_metrics("transactions");
  request.add_group_by("customer__customer_country");
  request.add_order_by("customer__customer_country");
  v1::QueryResponse response;
  grpc::Status status =
      (*cli)->stub().Query(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.rows_size(), 4);
  EXPECT_EQ(response.rows(0).values(0).string_value(), "CA");
  EXPECT_EQ(response.columns(1).type(), "INTEGER");
}

}  // namespace
}  // namespace mfgate::testing
