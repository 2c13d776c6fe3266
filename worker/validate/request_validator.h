// Validation of every mfgate.v1.Worker request before it reaches the engine.
//
// One overload per request message: names against the name grammar
// (names.h), the where filter against its grammar (where_filter.h), times,
// and the limits below. Errors are InvalidArgument statuses carrying the
// offending field with its index (`metrics[2]`, `order_by[0]`, `where`).
// Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_REQUEST_VALIDATOR_H_
#define MFGATE_WORKER_VALIDATE_REQUEST_VALIDATOR_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "mfgate/v1/worker.pb.h"

namespace mfgate::validate {

struct Limits {
  int64_t default_limit = 100;  // A query's limit when it sets none.
  int64_t max_limit = 10000;    // The largest limit a query may ask for.
  size_t max_names = 64;        // Names per list (metrics, group_by, ...).
  int64_t max_dw_timeout_seconds = 3600;
  int32_t max_validation_workers = 64;
};

absl::Status ValidateRequest(const v1::ListMetricsRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::ListDimensionsRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::ListEntitiesRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::ListDimensionValuesRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::ListSavedQueriesRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::ListSemanticModelsRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::QueryRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::ValidateConfigsRequest& request,
                             const Limits& limits);
absl::Status ValidateRequest(const v1::HealthChecksRequest& request,
                             const Limits& limits);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_REQUEST_VALIDATOR_H_
