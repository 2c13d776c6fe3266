#include "common/metrics.h"

#include <regex>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"

namespace mfgate {
namespace {

TEST(MetricsTest, CountersRenderWithEscapedLabels) {
  MetricsRegistry registry;
  registry.DefineCounter("calls_total", "Tool calls.", {"tenant", "tool"});
  registry.Increment("calls_total", {"a\"b", "list_metrics"});
  registry.Increment("calls_total", {"a\"b", "list_metrics"}, 2);
  registry.Increment("calls_total", {"only-one-label"});  // Ignored.
  registry.Increment("undefined_total", {});              // Ignored.
  EXPECT_EQ(registry.Render(),
            "# HELP calls_total Tool calls.\n"
            "# TYPE calls_total counter\n"
            "calls_total{tenant=\"a\\\"b\",tool=\"list_metrics\"} 3\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  registry.DefineHistogram("latency_seconds", "Latency.", {}, {0.1, 1});
  registry.Observe("latency_seconds", {}, 0.05);
  registry.Observe("latency_seconds", {}, 0.5);
  registry.Observe("latency_seconds", {}, 5);
  EXPECT_EQ(registry.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n"
            "latency_seconds_bucket{le=\"1\"} 2\n"
            "latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "latency_seconds_sum 5.5499999999999998\n"
            "latency_seconds_count 3\n");
}

TEST(MetricsTest, GaugesAreReadAtScrape) {
  MetricsRegistry registry;
  int sessions = 2;
  registry.DefineGauge("sessions", "Open sessions.", [&] { return sessions; });
  sessions = 5;
  EXPECT_NE(registry.Render().find("sessions 5\n"), std::string::npos);
}

TEST(MetricsTest, CounterReaderIsReadAtScrapeAndTypedCounter) {
  MetricsRegistry registry;
  int restarts = 0;
  registry.DefineCounterReader("restarts_total", "Restarts.",
                               [&] { return restarts; });
  registry.Increment("restarts_total", {});  // Ignored: the reader counts.
  restarts = 3;
  std::string text = registry.Render();
  EXPECT_NE(text.find("# HELP restarts_total Restarts.\n"
                      "# TYPE restarts_total counter\nrestarts_total 3\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, ConcurrentIncrementsAddUpAndOutputParses) {
  MetricsRegistry registry;
  registry.DefineCounter("n_total", "N.", {"k"});
  registry.DefineHistogram("h_seconds", "H.", {"k"}, LatencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        registry.Increment("n_total", {"x"});
        registry.Observe("h_seconds", {"x"}, 0.003);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::string text = registry.Render();
  EXPECT_NE(text.find("n_total{k=\"x\"} 8000\n"), std::string::npos);
  EXPECT_NE(text.find("h_seconds_count{k=\"x\"} 8000\n"), std::string::npos);
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eE]+$)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("#", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
}

}  // namespace
}  // namespace mfgate
