// MetricFlowTools::Names: the project's names a refused call's correction
// looks up (corrections.h), each list asked of the worker once per refusal.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/tools/metricflow_tools.h"
#include "gateway/tools/worker_call.h"

namespace mfgate::tools {
namespace {

using Stub = v1::Worker::StubInterface;

// How long a refusal's correction waits for the project's names.
constexpr absl::Duration kVocabularyTimeout = absl::Seconds(5);

std::vector<std::string> MetricNames(const v1::ListMetricsResponse& r) {
  std::vector<std::string> names;
  for (const v1::Metric& m : r.metrics()) names.push_back(m.name());
  return names;
}

}  // namespace

Vocabulary MetricFlowTools::Names(const std::string& caller) const {
  Stub* stub = worker_.get();
  // A correction is a courtesy: it waits for no engine that is starting.
  const absl::Duration timeout =
      std::min(options_.list_timeout, kVocabularyTimeout);
  // Each list is asked for once per refusal (a Vocabulary serves one call,
  // on its thread), however often the correction looks.
  struct Asked {
    std::optional<std::vector<std::string>> metrics, saved_queries;
    std::map<std::vector<std::string>, std::vector<std::string>> dimensions;
  };
  auto asked = std::make_shared<Asked>();
  Vocabulary vocabulary;
  vocabulary.metrics = [stub, timeout, asked, caller] {
    if (!asked->metrics.has_value()) {
      auto metrics =
          CallWorker(stub, &Stub::ListMetrics, v1::ListMetricsRequest(),
                     timeout, false, caller);
      asked->metrics =
          metrics.ok() ? MetricNames(*metrics) : std::vector<std::string>();
    }
    return *asked->metrics;
  };
  vocabulary.dimensions = [stub, timeout, asked,
                           caller](const std::vector<std::string>& of) {
    auto found = asked->dimensions.find(of);
    if (found != asked->dimensions.end()) return found->second;
    v1::ListDimensionsRequest request;
    for (const std::string& metric : of) request.add_metrics(metric);
    auto dimensions = CallWorker(stub, &Stub::ListDimensions, request, timeout,
                                 false, caller);
    if (!dimensions.ok() && !of.empty()) {  // Unknown metrics: every name.
      dimensions =
          CallWorker(stub, &Stub::ListDimensions, v1::ListDimensionsRequest(),
                     timeout, false, caller);
    }
    std::vector<std::string> names;
    if (dimensions.ok()) {
      for (const v1::Dimension& d : dimensions->dimensions())
        names.push_back(d.name());
    }
    return asked->dimensions[of] = names;
  };
  vocabulary.saved_queries = [stub, timeout, asked, caller] {
    if (!asked->saved_queries.has_value()) {
      auto saved =
          CallWorker(stub, &Stub::ListSavedQueries,
                     v1::ListSavedQueriesRequest(), timeout, false, caller);
      asked->saved_queries.emplace();
      if (saved.ok()) {
        for (const v1::SavedQuery& q : saved->saved_queries())
          asked->saved_queries->push_back(q.name());
      }
    }
    return *asked->saved_queries;
  };
  return vocabulary;
}

}  // namespace mfgate::tools
