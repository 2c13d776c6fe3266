// Every mfgate.v1.Worker request, checked and written anew before it reaches
// the engine.
//
// One overload per request message. Each parses every text the engine would
// pass to MetricFlow — names (names.h), times (iso_time.h), the where filter
// (where_filter.h) — checks the limits below, and returns a new message built
// from what it parsed: no field of the caller's message is passed on as it
// came (fields this version does not know are dropped too). Errors are
// InvalidArgument statuses carrying the offending field with its index
// (`metrics[2]`, `order_by[0]`, `where`). Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_CANONICAL_REQUEST_H_
#define MFGATE_WORKER_VALIDATE_CANONICAL_REQUEST_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "mfgate/v1/worker.pb.h"

namespace mfgate::validate {

struct Limits {
  int64_t default_limit = 100;  // A query's limit when it sets none.
  int64_t max_limit = 10000;    // The largest limit a query may ask for.
  size_t max_names = 64;        // Names per list (metrics, group_by, ...).
  int64_t max_dw_timeout_seconds = 3600;
  int32_t max_validation_workers = 64;
};

absl::StatusOr<v1::ListMetricsRequest> Canonicalize(
    const v1::ListMetricsRequest& request, const Limits& limits);
absl::StatusOr<v1::ListDimensionsRequest> Canonicalize(
    const v1::ListDimensionsRequest& request, const Limits& limits);
absl::StatusOr<v1::ListEntitiesRequest> Canonicalize(
    const v1::ListEntitiesRequest& request, const Limits& limits);
absl::StatusOr<v1::ListDimensionValuesRequest> Canonicalize(
    const v1::ListDimensionValuesRequest& request, const Limits& limits);
absl::StatusOr<v1::ListSavedQueriesRequest> Canonicalize(
    const v1::ListSavedQueriesRequest& request, const Limits& limits);
absl::StatusOr<v1::ListSemanticModelsRequest> Canonicalize(
    const v1::ListSemanticModelsRequest& request, const Limits& limits);
// A limit of 0 becomes limits.default_limit (queries and dimension values).
absl::StatusOr<v1::QueryRequest> Canonicalize(const v1::QueryRequest& request,
                                              const Limits& limits);
absl::StatusOr<v1::ValidateConfigsRequest> Canonicalize(
    const v1::ValidateConfigsRequest& request, const Limits& limits);
absl::StatusOr<v1::HealthChecksRequest> Canonicalize(
    const v1::HealthChecksRequest& request, const Limits& limits);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_CANONICAL_REQUEST_H_
