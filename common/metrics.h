// Prometheus metrics: counters, histograms and read-at-scrape gauges, by
// label values, rendered in the text exposition format (version 0.0.4) for
// the gateway's and the worker's /metrics.
//
// Families are defined once at start-up; recording into a family that was
// never defined, or with the wrong number of label values, is ignored (a
// metric never breaks a request). Thread-safe: recording and rendering may
// happen on any thread.
#ifndef MFGATE_COMMON_METRICS_H_
#define MFGATE_COMMON_METRICS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mfgate {

inline constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Seconds: 1 ms to 60 s.
std::vector<double> LatencyBuckets();

class MetricsRegistry {
 public:
  using Labels = std::vector<std::string>;

  void DefineCounter(const std::string& name, const std::string& help,
                     Labels label_names);
  void DefineHistogram(const std::string& name, const std::string& help,
                       Labels label_names, std::vector<double> bounds);
  // A gauge whose value `read` returns at each scrape.
  void DefineGauge(const std::string& name, const std::string& help,
                   std::function<double()> read);

  // A counter whose value `read` returns at each scrape (e.g. a count kept by
  // another component); Increment ignores it.
  void DefineCounterReader(const std::string& name, const std::string& help,
                           std::function<double()> read);

  void Increment(const std::string& name, const Labels& labels, double by = 1);
  void Observe(const std::string& name, const Labels& labels, double value);

  // The exposition text of every family, in definition order.
  std::string Render() const;

 private:
  enum class Type { kCounter, kHistogram, kGauge };
  struct Series {
    double value = 0;               // Counter value, or histogram sum.
    uint64_t count = 0;             // Histogram observations.
    std::vector<uint64_t> buckets;  // Per bound, not cumulative.
  };
  struct Family {
    Type type;
    std::string help;
    Labels label_names;
    std::vector<double> bounds;
    std::function<double()> read;
    std::map<Labels, Series> series;
  };

  Family* Find(const std::string& name, Type type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_METRICS_H_
